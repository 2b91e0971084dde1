// The finetune and scratch strategies: the network trains end to end (finetune: the last blocks,
// all at once or gradually), with augmentation, mixup/cutmix and L2-SP, through the shared loop.
// lp-ft's second stage is finetune from a given start (a cut layer and a head set by its probe).
// With a fixed --unfreeze, the frozen layers before the first trained block run as a frozen
// forward pass (ONNX Runtime where it can) and only the rest trains in TF.js: frozen-prefix.ts.
import * as tf from '@tensorflow/tfjs';
import { type BackboneEntry, createModel, type PretrainedConfig } from '../../backbones/index.js';
import { frozenForward } from '../../bundle/onnx/frozen-forward.js';
import { createLoader } from '../../data/loader.js';
import { evalTransform, trainTransform } from '../../data/transforms/index.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';
import { trainingShard } from '../../distributed/shard.js';
import { shardedRows } from '../../distributed/sharded-rows.js';
import { batchNormLayers, isBatchNorm, setBatchNormMomentum } from '../../train/batchnorm.js';
import type { BatchInfo } from '../../train/callbacks.js';
import type { EpochSource, TrainBatch } from '../../train/loop.js';
import { AdamW, buildParamGroups, type ParamGroupOptions } from '../../train/optim/index.js';
import { splitFrozenPrefix } from '../freeze/frozen-prefix.js';
import {
  type Block,
  describeBlocks,
  type GradualSchedule,
  gradualUnfreezing,
  type KeepFrozen,
  scheduleTable,
  splitBlocks,
  unfreezeLast,
} from '../freeze/index.js';
import { applyPeft, describePeft, type PeftMeta, peftMeta, peftOptions } from '../peft/index.js';
import { AUTO_LAYER, type LayerChoice } from '../rank/choose-layer.js';
import {
  createL2SP,
  mixBatch,
  mixRng,
  softCrossEntropy,
  softTargets,
} from '../regularizers/index.js';
import { DEFAULT_LR, fixedImageSize, type TrainConfig } from './config.js';
import { fitOptions } from './fit-options.js';
import { predictProbabilities } from './probabilities.js';
import type { RunSplits } from './splits.js';
import { metricsOf, type Prepared } from './strategy.js';

/** finetune and lp-ft start from pretrained weights; scratch from random ones. */
const isPretrained = (config: TrainConfig) => config.strategy !== 'scratch';

/** Where lp-ft's fine-tuning starts: the network cut at the probe's layer, its head the probe's. */
export interface NetworkStart {
  /** The layer (or 'a+b' spec) the head reads; layers above it are left out of the network. */
  embeddingLayer: string;
  layerChoice?: LayerChoice;
  /** Sets the weights of the network's Dense `head` before any training. */
  initHead(network: tf.LayersModel): void;
}

function augmentation(kind: TrainConfig['augment'], config: PretrainedConfig): Transform {
  if (kind === 'none') return evalTransform(config);
  if (kind === 'standard') return trainTransform(config);
  return trainTransform(config, { scale: [0.6, 1], colorJitter: false });
}

/** How the optimizer groups this run's weights: lr multiples per block, where decay applies. */
export function paramGroupOptions(
  config: TrainConfig,
  blocks: readonly Block[],
  run: { pretrained: boolean; l2sp: boolean },
): ParamGroupOptions {
  const blockOf = new Map(blocks.flatMap((b) => b.layers.map((l) => [l, b.name] as const)));
  return {
    // L2-SP replaces weight decay: decay would pull the pretrained weights toward 0 instead.
    weightDecay: run.l2sp ? 0 : config.weightDecay,
    backboneLrMult: run.pretrained ? config.backboneLrMult : 1,
    layerDecay: config.layerDecay,
    // One level per block: a block's convs, BatchNorms and depthwise layers share a multiple.
    levelOf: (layer) => blockOf.get(layer) ?? layer,
  };
}

/**
 * finetune: which blocks train (the last `unfreeze`, or the first epoch of gradual unfreezing),
 * BatchNorm kept frozen in every block when `freezeBn`; scratch: everything trains.
 */
function chooseTrainable(
  model: tf.LayersModel,
  entry: BackboneEntry,
  config: TrainConfig,
  log: (line: string) => void,
) {
  const pretrained = isPretrained(config);
  // Frozen BatchNorm runs in inference mode (src/backbones/batchnorm-fix.ts), in every block.
  const keepFrozen: KeepFrozen = (layer) => pretrained && config.freezeBn && isBatchNorm(layer);
  const blocks = pretrained ? splitBlocks(model, entry.blocks) : [];
  const gradualSchedule: GradualSchedule | undefined = config.gradualUnfreeze
    ? { every: config.gradualUnfreeze, max: config.unfreeze }
    : undefined;
  if (gradualSchedule) {
    const table = scheduleTable(gradualSchedule, config.epochs, blocks.length);
    log(
      `gradual unfreezing of ${describeBlocks(blocks)}: blocks training per epoch ${table.join(' ')}`,
    );
    unfreezeLast(model, table[0] ?? 0, blocks, keepFrozen);
  } else if (pretrained) {
    const frozen = unfreezeLast(model, config.unfreeze, blocks, keepFrozen);
    log(`fine-tuning ${frozen.count} of ${describeBlocks(blocks)} + head`);
  }
  return { blocks, keepFrozen, gradualSchedule };
}

/**
 * The network cut after its frozen prefix, when training can use it: the frozen layers stay
 * frozen for the whole run (no gradual unfreezing), the prefix sees the images the network would
 * (no mixup or cutmix, which mix images), and frozen passes may leave TF.js (--engine not tfjs).
 * The train batches then carry the prefix's output, and the loss runs the suffix on it.
 */
async function frozenPrefixOf(
  model: tf.LayersModel,
  config: TrainConfig,
  gradual: boolean,
  log: (line: string) => void,
) {
  if (gradual || config.mixup > 0 || config.cutmix > 0 || !isPretrained(config)) return undefined;
  const split = splitFrozenPrefix(model);
  if (!split) return undefined;
  const prefix = await frozenForward(model, { cut: split.cut });
  if (prefix.engine !== 'onnx') return undefined;
  log(
    `frozen layers up to ${split.cut} (${split.prefixLayers}) run in ONNX Runtime, once per batch, without gradients`,
  );
  const features = <B extends TrainBatch>(batches: EpochSource<B>): EpochSource<B> => ({
    numBatches: batches.numBatches,
    shard: batches.shard,
    async *epoch(index) {
      for await (const batch of batches.epoch(index)) {
        const x = await prefix.run(batch.x).finally(() => batch.x.dispose());
        yield { ...batch, x };
      }
    },
  });
  return { suffix: split.suffix, features };
}

/**
 * With `config.peft`: the network rebuilt for it (only the PEFT weights and the head train), its
 * bundle record and a line for the log and report; `model` is disposed. Undefined without PEFT.
 */
async function withPeft(
  model: tf.LayersModel,
  entry: BackboneEntry,
  config: TrainConfig,
  log: (line: string) => void,
): Promise<{ model: tf.LayersModel; meta: PeftMeta; note: string } | undefined> {
  const options = peftOptions(config);
  if (!options) return undefined;
  const applied = await applyPeft(model, { ...options, blocks: entry.blocks, seed: config.seed });
  model.dispose();
  const note = `peft ${describePeft(applied.summary)}`;
  log(note);
  return { model: applied.model, meta: peftMeta(applied), note };
}

/** Cross-entropy on (label-smoothed, mixed) targets, plus the L2-SP penalty when on. */
function regularizedLoss(
  model: tf.LayersModel,
  config: TrainConfig,
  classes: number,
  l2sp: ReturnType<typeof createL2SP> | undefined,
) {
  const mixer =
    config.mixup > 0 || config.cutmix > 0
      ? mixBatch({ mixupAlpha: config.mixup, cutmixAlpha: config.cutmix })
      : undefined;
  return (batch: TrainBatch, info: BatchInfo): tf.Scalar => {
    const targets = softTargets(batch.labels, classes, config.labelSmoothing);
    const mixed = mixer?.(batch.x as tf.Tensor4D, targets, mixRng(config.seed, info.step));
    const logits = model.apply(mixed?.x ?? batch.x, { training: true }) as tf.Tensor2D;
    const loss = softCrossEntropy(logits, mixed?.targets ?? targets);
    return l2sp ? (tf.add(loss, l2sp.penalty()) as tf.Scalar) : loss;
  };
}

export async function prepareNetwork(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
  log: (line: string) => void,
  start?: NetworkStart,
): Promise<Prepared> {
  const pretrained = isPretrained(config);
  const classes = source.classes.length;
  const created = await createModel(config.backbone, {
    numClasses: classes,
    inputSize: fixedImageSize(config),
    // lp-ft: the weights its probe read (for a backbone without pretrained ones, the seeded
    // random ones), so that the probe's head fits them.
    pretrained: start ? undefined : pretrained,
    dropRate: config.dropRate,
    embeddingLayer:
      start?.embeddingLayer ?? (config.layer === AUTO_LAYER ? undefined : config.layer),
    seed: config.seed,
  });
  const { config: backboneConfig, entry } = created;
  start?.initHead(created.model);
  const peft = await withPeft(created.model, entry, config, log);
  const model = peft?.model ?? created.model;
  setBatchNormMomentum(batchNormLayers(model), config.bnMomentum);
  // Under PEFT, applyPeft decided what trains; no blocks unfreeze.
  const chosen = peft ? undefined : chooseTrainable(model, entry, config, log);
  const blocks = chosen?.blocks ?? [];
  const l2sp =
    pretrained && config.l2sp > 0 ? createL2SP(model, { alpha: config.l2sp }) : undefined;
  const paramGroups = paramGroupOptions(config, blocks, { pretrained, l2sp: l2sp !== undefined });
  // PEFT weights are new (adapters, LoRA) or few (BitFit): they train at the base lr.
  const optimizer = new AdamW(
    buildParamGroups(model, peft ? { ...paramGroups, backboneLrMult: 1 } : paramGroups),
  );
  const gradual =
    chosen?.gradualSchedule &&
    gradualUnfreezing({
      model,
      blocks,
      schedule: chosen.gradualSchedule,
      optimizer,
      keepFrozen: chosen.keepFrozen,
      paramGroups,
      onChange: (epoch, r) => {
        if (epoch > 1) log(`epoch ${epoch}: ${r.count} of ${blocks.length} blocks train`);
      },
    });
  gradual?.applyEpoch(1);
  const frozenPrefix = await frozenPrefixOf(model, config, gradual !== undefined, log);
  const evalT = evalTransform(backboneConfig);
  const probabilities = async (samples: readonly Sample[]) =>
    (await predictProbabilities(model, source, samples, evalT, config.batch)).probabilities;
  const train = createLoader(source, splits.train, {
    batchSize: config.batch,
    transform: augmentation(config.augment, backboneConfig),
    shuffle: true,
    shard: trainingShard(),
    seed: config.seed,
  });
  const validate =
    splits.val.length > 0
      ? async () => {
          const m = metricsOf(await shardedRows(splits.val, probabilities), splits.val, classes);
          return { val_loss: m.nll, val_accuracy: m.accuracy };
        }
      : undefined;
  const lr = config.lr ?? DEFAULT_LR[config.strategy];
  return {
    classifier: model,
    backboneConfig,
    layerChoice: start?.layerChoice,
    peft: peft?.meta,
    notes: peft ? [peft.note] : undefined,
    plan: {
      model,
      optimizer,
      train: frozenPrefix ? frozenPrefix.features(train) : train,
      epochs: config.epochs,
      seed: config.seed,
      ...fitOptions(config, lr, train.numBatches, validate !== undefined),
      loss: regularizedLoss(frozenPrefix?.suffix ?? model, config, classes, l2sp),
      validate,
      validateSharded: true,
      callbacks: gradual ? [gradual] : [],
      release: () => l2sp?.dispose(),
    },
    lrPerStep: true,
    evaluate: probabilities,
  };
}
