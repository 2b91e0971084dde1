// The multi-task network: ONE registry backbone with the union of the taps its heads read, and one
// head per task — classification and multi-label (global average pool of a tap → Dense logits),
// detection (FPN + FCOS, heads/detection) and segmentation (U-Net or DeepLabV3+,
// heads/segmentation) — as one tf.LayersModel with one output per task, in task order. Every head
// layer is named `head_<task>_…`, so freezing and learning-rate groups see it as head, and each
// head's layers are listed for per-task parameter groups (e.g. PCGrad's task-specific weights).
import * as tf from '@tensorflow/tfjs';
import { TAP_STRIDES, type TapStride } from '../../backbones/graph.js';
import { getBackbone, type PretrainedConfig } from '../../backbones/index.js';
import { isModelLocation } from '../../backbones/layers-backbone.js';
import type { BackboneEntry } from '../../backbones/types.js';
import { badUsage } from '../../errors.js';
import { backboneTaps } from '../../heads/backbone-taps.js';
import { checkDetectorOptions, detectionHead } from '../../heads/detection/fcos-model.js';
import { FCOS_STRIDES } from '../../heads/detection/fcos-targets.js';
import type { DetectorLayout } from '../../heads/detection/layout.js';
import { DEEPLAB_DECODER } from '../../heads/segmentation/deeplab.js';
import { checkDecoderInput } from '../../heads/segmentation/segmenter.js';
import { UNET_DECODER } from '../../heads/segmentation/unet.js';
import { initializerSeed } from '../../util/init-seed.js';
import { checkTasks, headPrefix, type TaskKind } from './task-spec.js';

/** The segmentation decoders a task can use: the taps each reads and its head. */
export const SEGMENTATION_HEADS = { unet: UNET_DECODER, deeplabv3plus: DEEPLAB_DECODER };
export type SegmentationDecoder = keyof typeof SEGMENTATION_HEADS;

/** Pooled heads read the deepest stride unless a task names its tap. */
const DEFAULT_POOLED_TAP: TapStride = TAP_STRIDES[TAP_STRIDES.length - 1];

export interface TaskHeadSpec {
  name: string;
  kind: TaskKind;
  numClasses: number;
  /** classification / multilabel: the map pooled, a stride or a layer name. Default stride 32. */
  tap?: TapStride | string;
  /** segmentation: default 'unet'. */
  decoder?: SegmentationDecoder;
  /** detection / segmentation width; default the network's `channels`, then the head's own. */
  channels?: number;
  /** segmentation (unet): the deepest tap reduced to this width first (SegmentationHeadOptions). */
  bottleneck?: number;
  /** detection: 3×3 convs per tower (default 2). */
  towerDepth?: number;
  /** classification / multilabel: dropout before the Dense layer (default 0: none). */
  dropRate?: number;
}

export interface MultiTaskNetworkOptions {
  backbone: string;
  pretrained: boolean;
  /** Square input size; a multiple of 32 when a detection or segmentation head is present. */
  inputSize: number;
  seed?: number;
  /** Default width of the dense heads. */
  channels?: number;
  tasks: readonly TaskHeadSpec[];
}

export interface TaskHead {
  name: string;
  kind: TaskKind;
  numClasses: number;
  /** Index of the task's output in model.outputs. */
  output: number;
  /** Names of the head's own layers (all `head_<task>_…`). */
  layers: Set<string>;
  /** detection: what the [B, N, C + 5] output means. */
  layout?: DetectorLayout;
  /** segmentation: the decoder used. */
  decoder?: SegmentationDecoder;
  /** classification / multilabel: the tap pooled, as given (stride or layer name). */
  tap?: TapStride | string;
}

export interface MultiTaskNetwork {
  model: tf.LayersModel;
  backboneConfig: PretrainedConfig;
  entry: BackboneEntry;
  /** Layers of the shared backbone, for freezing and learning-rate groups. */
  backboneLayers: Set<string>;
  heads: TaskHead[];
}

const isPooled = (kind: TaskKind) => kind === 'classification' || kind === 'multilabel';

/** The taps a task's head reads, in the order the head takes them. */
function tapsOf(task: TaskHeadSpec): (TapStride | string)[] {
  if (isPooled(task.kind)) return [task.tap ?? DEFAULT_POOLED_TAP];
  if (task.kind === 'detection') return [...FCOS_STRIDES];
  return [...SEGMENTATION_HEADS[task.decoder ?? 'unet'].strides];
}

function checkSpec(task: TaskHeadSpec, inputSize: number): void {
  if (!(Number.isInteger(task.numClasses) && task.numClasses > 0))
    throw badUsage(
      `task ${task.name}: numClasses must be a positive whole number (got ${task.numClasses})`,
    );
  const notFor = (field: keyof TaskHeadSpec, kinds: string) => {
    if (task[field] !== undefined)
      throw badUsage(`task ${task.name}: ${field} is for ${kinds} heads, not ${task.kind}`);
  };
  if (!isPooled(task.kind)) {
    notFor('tap', 'classification/multilabel');
    notFor('dropRate', 'classification/multilabel');
  }
  if (task.kind !== 'segmentation') notFor('decoder', 'segmentation');
  if (task.kind !== 'segmentation') notFor('bottleneck', 'segmentation');
  if (task.decoder === 'deeplabv3plus' && task.bottleneck !== undefined)
    throw badUsage(`task ${task.name}: bottleneck is for the unet decoder, not deeplabv3plus`);
  if (task.kind !== 'detection') notFor('towerDepth', 'detection');
  if (isPooled(task.kind) && task.channels !== undefined) notFor('channels', 'dense');
  const dropRate = task.dropRate ?? 0;
  if (!(dropRate >= 0 && dropRate < 1))
    throw badUsage(`task ${task.name}: dropRate must be in [0, 1) (got ${dropRate})`);
  if (task.kind === 'segmentation') {
    if (!(task.decoder === undefined || task.decoder in SEGMENTATION_HEADS))
      throw badUsage(
        `task ${task.name}: decoder '${task.decoder}' is not one of ${Object.keys(SEGMENTATION_HEADS).join(', ')}`,
      );
    checkDecoderInput(inputSize);
  }
  if (task.kind === 'detection') checkDetectorOptions(inputSize, task.numClasses);
}

/** Global average pool of the tap, optional dropout, Dense logits [B, C]. */
function pooledHead(
  map: tf.SymbolicTensor,
  task: TaskHeadSpec,
  seed: number,
  prefix: string,
): tf.SymbolicTensor {
  let x = tf.layers
    .globalAveragePooling2d({ name: `${prefix}pool` })
    .apply(map) as tf.SymbolicTensor;
  if ((task.dropRate ?? 0) > 0)
    x = tf.layers
      .dropout({ rate: task.dropRate!, name: `${prefix}drop` })
      .apply(x) as tf.SymbolicTensor;
  return tf.layers
    .dense({
      units: task.numClasses,
      name: `${prefix}logits`,
      kernelInitializer: tf.initializers.glorotUniform({ seed: initializerSeed(seed, 1_000) }),
    })
    .apply(x) as tf.SymbolicTensor;
}

/** Layers between `output` and the backbone: the head's own. */
function headLayers(output: tf.SymbolicTensor, backbone: Set<string>): Set<string> {
  const found = new Set<string>();
  const stack: tf.layers.Layer[] = [output.sourceLayer as tf.layers.Layer];
  while (stack.length > 0) {
    const layer = stack.pop()!;
    if (backbone.has(layer.name) || found.has(layer.name)) continue;
    found.add(layer.name);
    for (const node of layer.inboundNodes) stack.push(...node.inboundLayers);
  }
  return found;
}

/** Each task's head gets its own seed range, so two heads of one kind start differently. */
const headSeed = (seed: number, task: number) => initializerSeed(seed, 10_000 * (task + 1));

export async function buildMultiTaskNetwork(
  options: MultiTaskNetworkOptions,
): Promise<MultiTaskNetwork> {
  const { inputSize, tasks } = options;
  const seed = options.seed ?? 0;
  checkTasks(tasks);
  for (const task of tasks) checkSpec(task, inputSize);

  // The union of the taps, each once (a layer name that is one of the registry entry's stride taps
  // counts as that stride); dense heads need their maps at exactly input/stride.
  const known = isModelLocation(options.backbone) ? [] : getBackbone(options.backbone).config.taps;
  const canonical = (tap: TapStride | string) =>
    typeof tap === 'string' ? (known.find((t) => t.layer === tap)?.stride ?? tap) : tap;
  const union: (TapStride | string)[] = [];
  const exactStrides = new Set<TapStride>();
  for (const task of tasks) {
    for (const tap of tapsOf(task).map(canonical)) {
      if (!union.includes(tap)) union.push(tap);
      if (!isPooled(task.kind)) exactStrides.add(tap as TapStride);
    }
  }
  const taps = await backboneTaps(options.backbone, union, {
    inputSize,
    pretrained: options.pretrained,
    seed,
    exactStrides: [...exactStrides],
  });
  try {
    const mapOf = (tap: TapStride | string) => taps.body.outputs[union.indexOf(canonical(tap))];
    const heads: TaskHead[] = [];
    const outputs = tasks.map((task, i) => {
      const maps = tapsOf(task).map(mapOf);
      const prefix = headPrefix(task.name);
      const taskSeed = headSeed(seed, i);
      const channels = task.channels ?? options.channels;
      const head: TaskHead = {
        name: task.name,
        kind: task.kind,
        numClasses: task.numClasses,
        output: i,
        layers: new Set(),
      };
      let output: tf.SymbolicTensor;
      if (isPooled(task.kind)) {
        head.tap = task.tap ?? DEFAULT_POOLED_TAP;
        output = pooledHead(maps[0], task, taskSeed, prefix);
      } else if (task.kind === 'detection') {
        const built = detectionHead(maps, {
          numClasses: task.numClasses,
          inputSize,
          channels,
          towerDepth: task.towerDepth,
          seed: taskSeed,
          prefix,
        });
        head.layout = built.layout;
        output = built.output;
      } else {
        head.decoder = task.decoder ?? 'unet';
        output = SEGMENTATION_HEADS[head.decoder].head(maps, {
          numClasses: task.numClasses,
          channels,
          bottleneck: task.bottleneck,
          seed: taskSeed,
          prefix,
        });
      }
      head.layers = headLayers(output, taps.backboneLayers);
      heads.push(head);
      return output;
    });
    refuseSharedNames(heads);
    const model = tf.model({
      inputs: taps.body.inputs,
      outputs,
      name: `${taps.entry.name}_multitask`,
    });
    return {
      model,
      backboneConfig: taps.config,
      entry: taps.entry,
      backboneLayers: taps.backboneLayers,
      heads,
    };
  } catch (err) {
    taps.body.dispose();
    throw err;
  }
}

/**
 * Task names that are prefixes of each other can give two heads one layer name (`a` + `b_logits`
 * and `a_b` + `logits`); refused naming both tasks rather than by tfjs's anonymous duplicate error.
 */
function refuseSharedNames(heads: readonly TaskHead[]): void {
  const owner = new Map<string, string>();
  for (const head of heads) {
    for (const layer of head.layers) {
      const other = owner.get(layer);
      if (other !== undefined)
        throw badUsage(
          `tasks ${other} and ${head.name}: both heads would have a layer named ${layer}; rename one task`,
        );
      owner.set(layer, head.name);
    }
  }
}
