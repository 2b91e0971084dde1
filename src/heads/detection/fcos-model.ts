// The detector network: a registry backbone's stride-8/16/32 taps, a light FPN neck (Lin et al.
// 2017: 1×1 laterals, nearest top-down upsampling added in, a 3×3 conv per level) and an FCOS head
// (Tian et al. 2019) shared by every level: a class tower and a box tower of 3×3 convs, class
// logits on the first, box regressions and centre-ness on the second (the paper's improved
// placement). Outputs one [batch, N, C + 5] tensor in layout.ts's order. FCOS's GroupNorm in the
// towers is left out (tfjs has no GroupNorm layer); Adam and the paper's init (normal σ 0.01,
// class bias at the prior π = 0.01) keep the towers trainable without it.
// detectionHead builds the neck and head on given tap tensors under a layer-name prefix, so a
// multi-task network can put it on a shared backbone; buildDetector is it on its own backbone.
import * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../../backbones/index.js';
import type { BackboneEntry } from '../../backbones/types.js';
import { badUsage } from '../../errors.js';
import { initializerSeed } from '../../util/init-seed.js';
import { backboneTaps } from '../backbone-taps.js';
import { layerNamer } from '../layer-names.js';
import { FCOS_STRIDES } from './fcos-targets.js';
import { channelsPerLocation, type DetectorLayout, levelSizes } from './layout.js';

export interface DetectorOptions {
  backbone: string;
  pretrained: boolean;
  numClasses: number;
  inputSize: number;
  /** Channels of the FPN levels and head towers. */
  channels?: number;
  /** 3×3 convs in each head tower (FCOS: 4 at 256 channels; lighter here by default). */
  towerDepth?: number;
  seed?: number;
}

export interface Detector {
  model: tf.LayersModel;
  layout: DetectorLayout;
  backboneConfig: PretrainedConfig;
  entry: BackboneEntry;
  /** Layers of the backbone (pretrained or not), for freezing and learning-rate groups. */
  backboneLayers: Set<string>;
}

/** Prior probability of a class at initialization: the focal-loss paper's π. */
const PRIOR = 0.01;

/** Checks the options every FCOS head needs, by name. */
export function checkDetectorOptions(inputSize: number, numClasses: number): void {
  const largest = FCOS_STRIDES[FCOS_STRIDES.length - 1];
  if (inputSize % largest !== 0)
    throw badUsage(
      `image size: must be a multiple of ${largest} for the detector (got ${inputSize})`,
    );
  if (!(Number.isInteger(numClasses) && numClasses > 0))
    throw badUsage(`numClasses: must be a positive whole number (got ${numClasses})`);
}

export interface DetectionHeadOptions {
  numClasses: number;
  inputSize: number;
  /** Channels of the FPN levels and head towers. Default 64. */
  channels?: number;
  /** 3×3 convs in each head tower. Default 2. */
  towerDepth?: number;
  seed?: number;
  /** Layer-name prefix (layer-names.ts); default: the single-task detector's names. */
  prefix?: string;
}

/**
 * FPN + shared FCOS head on the backbone's stride-8/16/32 maps (`taps`, in FCOS_STRIDES order):
 * the [batch, N, C + 5] output and its layout.
 */
export function detectionHead(
  taps: readonly tf.SymbolicTensor[],
  options: DetectionHeadOptions,
): { output: tf.SymbolicTensor; layout: DetectorLayout } {
  const { numClasses, inputSize } = options;
  const channels = options.channels ?? 64;
  const depth = options.towerDepth ?? 2;
  const seed = options.seed ?? 0;
  checkDetectorOptions(inputSize, numClasses);
  if (taps.length !== FCOS_STRIDES.length)
    throw badUsage(
      `detection head: needs the stride-${FCOS_STRIDES.join('/')} maps (got ${taps.length})`,
    );
  const name = layerNamer(options.prefix);
  const layout: DetectorLayout = { inputSize, strides: [...FCOS_STRIDES], numClasses };
  const sizes = levelSizes(layout);
  let initIndex = 0;
  const conv = (local: string, filters: number, kernel: number, bias = 0, std?: number) =>
    tf.layers.conv2d({
      name: name(local),
      filters,
      kernelSize: kernel,
      padding: 'same',
      kernelInitializer:
        std === undefined
          ? tf.initializers.heNormal({ seed: initializerSeed(seed, 2_000 + initIndex++) })
          : tf.initializers.randomNormal({
              stddev: std,
              seed: initializerSeed(seed, 2_000 + initIndex++),
            }),
      biasInitializer: tf.initializers.constant({ value: bias }),
    });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;

  // FPN: laterals bring every tap to `channels`; coarser levels are upsampled and added in.
  const laterals = taps.map((t, i) => apply(conv(`fpn_lateral_${i}`, channels, 1), t));
  const merged: tf.SymbolicTensor[] = new Array(taps.length);
  merged[taps.length - 1] = laterals[taps.length - 1];
  for (let i = taps.length - 2; i >= 0; i--) {
    const up = apply(
      tf.layers.upSampling2d({ size: [2, 2], name: name(`fpn_up_${i}`) }),
      merged[i + 1],
    );
    merged[i] = apply(tf.layers.add({ name: name(`fpn_add_${i}`) }), [laterals[i], up]);
  }
  const levels = merged.map((m, i) => apply(conv(`fpn_out_${i}`, channels, 3), m));

  // Shared head: the same layer objects run on every level.
  const tower = (kind: string) =>
    Array.from({ length: depth }, (_, k) => [
      conv(`head_${kind}_tower_${k}`, channels, 3, 0, 0.01),
      tf.layers.reLU({ name: name(`head_${kind}_relu_${k}`) }),
    ]).flat();
  const clsTower = tower('cls');
  const boxTower = tower('box');
  const clsLogits = conv('head_cls_logits', numClasses, 3, -Math.log((1 - PRIOR) / PRIOR), 0.01);
  const boxPred = conv('head_box', 4, 3, 0, 0.01);
  const centerness = conv('head_centerness', 1, 3, 0, 0.01);
  const perLevel = levels.map((p, i) => {
    const c = clsTower.reduce((x, l) => apply(l, x), p);
    const b = boxTower.reduce((x, l) => apply(l, x), p);
    const joined = apply(tf.layers.concatenate({ name: name(`head_out_${i}`), axis: -1 }), [
      apply(clsLogits, c),
      apply(boxPred, b),
      apply(centerness, b),
    ]);
    const { height, width } = sizes[i];
    return apply(
      tf.layers.reshape({
        name: name(`head_flat_${i}`),
        targetShape: [height * width, channelsPerLocation(layout)],
      }),
      joined,
    );
  });
  const output = apply(tf.layers.concatenate({ name: name('detections'), axis: 1 }), perLevel);
  return { output, layout };
}

export async function buildDetector(options: DetectorOptions): Promise<Detector> {
  const { numClasses, inputSize } = options;
  const seed = options.seed ?? 0;
  checkDetectorOptions(inputSize, numClasses);
  const { body, config, entry, backboneLayers } = await backboneTaps(
    options.backbone,
    FCOS_STRIDES,
    {
      inputSize,
      pretrained: options.pretrained,
      seed,
    },
  );
  const { output, layout } = detectionHead(body.outputs, {
    numClasses,
    inputSize,
    channels: options.channels,
    towerDepth: options.towerDepth,
    seed,
  });
  const model = tf.model({
    inputs: body.inputs,
    outputs: output,
    name: `${entry.name}_fcos`,
  });
  return { model, layout, backboneConfig: config, entry, backboneLayers };
}
