// What the dense-prediction runs (detection, segmentation) share around the training loop: the
// seeded hold-out split, the backbone set-up (BatchNorm momentum, frozen layers, AdamW with head
// and backbone groups), the fit plan with loss parts and periodic validation, and the checks on
// their common configuration fields.
import type * as tf from '@tensorflow/tfjs';
import { badInput, configError } from '../errors.js';
import { batchNormLayers, freezeBatchNorm, setBatchNormMomentum } from '../train/batchnorm.js';
import type { BatchInfo } from '../train/callbacks.js';
import type { EpochSource, TrainBatch } from '../train/loop.js';
import { AdamW, buildParamGroups } from '../train/optim/index.js';
import { Rng } from '../util/rng.js';
import { lrSchedule } from './classification/fit-options.js';
import { checkPeftConfig, type PeftConfig } from './peft/config.js';
import type { FitPlan } from './run-template.js';

/** `fraction` of the samples (seeded by `seed` and `stream`) held out for validation. */
export function holdOut<T>(samples: readonly T[], fraction: number, seed: number, stream: string) {
  const order = new Rng(seed).fork(stream).permutation(samples.length);
  const inVal = new Set(order.slice(0, Math.round(samples.length * fraction)));
  return {
    train: samples.filter((_, i) => !inVal.has(i)),
    val: samples.filter((_, i) => inVal.has(i)),
  };
}

export interface BackboneTraining {
  pretrained: boolean;
  freezeBackbone: boolean;
  freezeBn: boolean;
  bnMomentum: number;
  weightDecay: number;
  backboneLrMult: number;
  /** With PEFT, applyPeft already set what trains; its weights train at the base lr. */
  peft?: PeftConfig['peft'];
}

/**
 * Sets the backbone's BatchNorm momentum and freezes what the options say (only a pretrained
 * backbone can be frozen), then returns AdamW over the trainable weights: the layers outside
 * the backbone at the base lr, the backbone at lr × backboneLrMult when pretrained.
 */
export function backboneOptimizer(
  model: tf.LayersModel,
  backboneLayers: ReadonlySet<string>,
  options: BackboneTraining,
): AdamW {
  const batchNorms = batchNormLayers(model, backboneLayers);
  setBatchNormMomentum(batchNorms, options.bnMomentum);
  const peft = options.peft !== undefined && options.peft !== 'none';
  if (peft) {
    // applyPeft froze the backbone but its PEFT weights (BatchNorm statistics included).
  } else if (options.pretrained && options.freezeBackbone) {
    for (const layer of model.layers)
      if (backboneLayers.has(layer.name) && layer.getClassName() !== 'InputLayer')
        layer.trainable = false;
  } else if (options.pretrained && options.freezeBn) freezeBatchNorm(batchNorms);
  const headLayers = model.layers
    .filter((l) => !backboneLayers.has(l.name) && l.weights.length > 0)
    .map((l) => l.name);
  return new AdamW(
    buildParamGroups(model, {
      headLayers,
      weightDecay: options.weightDecay,
      backboneLrMult: options.pretrained && !peft ? options.backboneLrMult : 1,
    }),
  );
}

/**
 * The rules across the fields detection and segmentation configs share; `what` names the
 * configuration in the error.
 */
export function checkDenseConfig(
  config: {
    imageSize: number;
    scale: [number, number];
    strategy: 'finetune' | 'scratch';
    freezeBackbone: boolean;
  } & PeftConfig,
  what: string,
): void {
  checkPeftConfig(config, what, { freezeBackbone: config.freezeBackbone });
  if (config.imageSize % 32 !== 0)
    throw configError(what, 'imageSize', `must be a multiple of 32 (got ${config.imageSize})`);
  if (config.scale[0] > config.scale[1])
    throw configError(
      what,
      'scale',
      `the lower bound ${config.scale[0]} exceeds the upper ${config.scale[1]}`,
    );
  if (config.strategy === 'scratch' && config.freezeBackbone)
    throw configError(
      what,
      ['strategy', 'freezeBackbone'],
      'a backbone trained from scratch cannot be frozen',
    );
}

interface RunDataset {
  name: string;
  samples: unknown[];
  skipped: { where: string; reason: string }[];
}

/**
 * A dense run's data: the training set, the optional validation and test sets (same label names
 * in the same order, or an error naming both lists), the train/validation split (validation data,
 * or a seeded hold-out), what the final evaluation runs on, and every pair left out under skipBad
 * (logged).
 */
export async function openRunData<D extends RunDataset>(
  config: {
    data: string;
    images?: string;
    valData?: string;
    valImages?: string;
    testData?: string;
    testImages?: string;
    val: number;
    seed: number;
  },
  open: (
    location: string,
    images: string | undefined,
    split: 'train' | 'val' | 'test',
  ) => Promise<D>,
  labels: { of: (d: D) => string[]; what: string; stream: string },
  log?: (line: string) => void,
) {
  const data = await open(config.data, config.images, 'train');
  const valData = config.valData ? await open(config.valData, config.valImages, 'val') : undefined;
  const testData = config.testData
    ? await open(config.testData, config.testImages, 'test')
    : undefined;
  for (const other of [valData, testData]) {
    if (other && labels.of(data).join('\u0000') !== labels.of(other).join('\u0000'))
      throw badInput(
        `${other.name}: its ${labels.what} (${labels.of(other).join(', ')}) differ from the training data's (${labels.of(data).join(', ')})`,
      );
  }
  type Sample = D['samples'][number];
  const split: { train: Sample[]; val: Sample[] } = valData
    ? { train: data.samples, val: valData.samples }
    : holdOut<Sample>(data.samples, config.val, config.seed, labels.stream);
  const evalSamples: Sample[] = testData?.samples ?? split.val;
  if (split.train.length === 0) throw badInput(`${config.data}: no training images`);
  if (evalSamples.length === 0)
    throw badInput(`${config.data}: no images to evaluate on (set val > 0, valData or testData)`);
  const skipped = [data, valData, testData].flatMap((d) => d?.skipped ?? []);
  for (const s of skipped) log?.(`skipped ${s.where}: ${s.reason}`);
  return {
    data,
    valData,
    testData,
    split,
    evalSamples,
    evaluatedOn: testData ? 'test' : 'val',
    /** Images per split (the test count is the test data's, 0 without it). */
    splits: {
      train: split.train.length,
      val: split.val.length,
      test: testData?.samples.length ?? 0,
    },
    skipped,
  };
}

/** The report's lines on what skipBad left out of the data, and skipped in evaluation. */
export function skippedNotes(leftOut: number, what: string, unreadable: number): string[] {
  return [
    ...(leftOut ? [`${leftOut} ${what} left out`] : []),
    ...(unreadable ? [`${unreadable} unreadable images skipped in evaluation`] : []),
  ];
}

/** Loss parts summed over an epoch's batches, taken as per-batch means `loss_<name>`. */
export function epochLossParts() {
  const sums = new Map<string, number>();
  let batches = 0;
  return {
    /** One batch's parts (scalars, read back at once). */
    add(parts: Record<string, tf.Tensor>) {
      for (const [name, value] of Object.entries(parts))
        sums.set(name, (sums.get(name) ?? 0) + value.dataSync()[0]!);
      batches++;
    },
    /** The epoch's means, and a fresh start for the next epoch. */
    take(): Record<string, number> {
      const record: Record<string, number> = {};
      for (const [name, sum] of sums) record[`loss_${name}`] = sum / Math.max(1, batches);
      for (const name of sums.keys()) sums.set(name, 0);
      batches = 0;
      return record;
    },
  };
}

export interface DenseFitSettings {
  epochs: number;
  seed: number;
  lr: number;
  schedule: 'cosine' | 'step' | 'onecycle' | 'constant';
  clipNorm: number;
  evalEvery: number;
}

/**
 * The fit plan of a dense run: the configured schedule and clipping (0 = off), and after each
 * epoch its loss parts plus, every `evalEvery` epochs and at the last, the validation metrics.
 */
export function denseFitPlan<B extends TrainBatch>(
  config: DenseFitSettings,
  plan: {
    model: tf.LayersModel;
    optimizer: AdamW;
    train: EpochSource<B>;
    loss: (batch: B, info: BatchInfo) => tf.Scalar;
    /** The epoch's loss parts for the log. */
    parts: () => Record<string, number>;
    /** Validation metrics; absent without validation images. */
    validation?: () => Promise<Record<string, number>>;
  },
): FitPlan<B> {
  const { parts, validation, ...fitParts } = plan;
  const every = config.evalEvery;
  return {
    ...fitParts,
    epochs: config.epochs,
    seed: config.seed,
    schedule: lrSchedule(config.schedule, config.lr, plan.train.numBatches, config.epochs),
    clipNorm: config.clipNorm > 0 ? config.clipNorm : undefined,
    validate: async (epoch) => {
      const record = parts();
      if (validation && every > 0 && (epoch % every === 0 || epoch === config.epochs))
        Object.assign(record, await validation());
      return record;
    },
  };
}
