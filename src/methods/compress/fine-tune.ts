// Training a compressed classifier — a distilled student or a pruned network — through the shared
// loop: AdamW with a cosine schedule, the run's augmentation, validation accuracy per epoch (the
// run template adds checkpoints and resume). The caller supplies the loss (distillation terms,
// held pruning masks).
import type * as tf from '@tensorflow/tfjs';
import { createLoader, type Loader } from '../../data/loader.js';
import { evalTransform, trainTransform } from '../../data/transforms/index.js';
import type { PreprocessConfig } from '../../data/transforms/presets.js';
import type { DataSource, Sample } from '../../data/types.js';
import type { BatchInfo, Callback } from '../../train/callbacks.js';
import type { EpochSource, TrainBatch } from '../../train/loop.js';
import { AdamW, buildParamGroups } from '../../train/optim/index.js';
import { predictProbabilities } from '../classification/probabilities.js';
import type { RunSplits } from '../classification/splits.js';
import { metricsOf } from '../classification/strategy.js';
import type { FitPlan } from '../run-template.js';
import type { FineTuneSettings } from './fine-tune-config.js';

export interface FineTuneArgs<B extends TrainBatch> {
  /** The weights that train and are checkpointed (the classifier, plus any training-only layers). */
  trained: tf.LayersModel;
  /** What is validated: image -> logits. */
  classifier: tf.LayersModel;
  preprocessing: PreprocessConfig;
  source: DataSource;
  splits: RunSplits;
  settings: FineTuneSettings;
  train: EpochSource<B>;
  loss: (batch: B, info: BatchInfo) => tf.Scalar;
  callbacks?: Callback[];
  release?: () => void;
}

/** The training batches of a run: the run's augmentation at the model's input size. */
export function trainingLoader(
  source: DataSource,
  samples: readonly Sample[],
  preprocessing: PreprocessConfig,
  settings: Pick<FineTuneSettings, 'augment' | 'batch' | 'seed'>,
): Loader {
  const transform =
    settings.augment === 'none'
      ? evalTransform(preprocessing)
      : settings.augment === 'standard'
        ? trainTransform(preprocessing)
        : trainTransform(preprocessing, { scale: [0.6, 1], colorJitter: false });
  return createLoader(source, samples, {
    batchSize: settings.batch,
    transform,
    shuffle: true,
    seed: settings.seed,
  });
}

/** Accuracy of a classifier on samples through the eval preprocessing. */
export async function accuracyOn(
  classifier: tf.LayersModel,
  source: DataSource,
  samples: readonly Sample[],
  preprocessing: PreprocessConfig,
  batch = 32,
): Promise<number> {
  const { probabilities } = await predictProbabilities(
    classifier,
    source,
    samples,
    evalTransform(preprocessing),
    batch,
  );
  return metricsOf(probabilities, samples, source.classes.length).accuracy;
}

/** How a compressed classifier trains: AdamW, cosine with one epoch of warm-up, validation accuracy. */
export function fineTunePlan<B extends TrainBatch>(args: FineTuneArgs<B>): FitPlan<B> {
  const { classifier, source, splits, settings } = args;
  const evalT = evalTransform(args.preprocessing);
  const validate =
    splits.val.length > 0
      ? async () => {
          const { probabilities } = await predictProbabilities(
            classifier,
            source,
            splits.val,
            evalT,
            settings.batch,
          );
          const m = metricsOf(probabilities, splits.val, source.classes.length);
          return { val_loss: m.nll, val_accuracy: m.accuracy };
        }
      : undefined;
  const steps = settings.epochs * args.train.numBatches;
  return {
    model: args.trained,
    optimizer: new AdamW(
      buildParamGroups(args.trained, { weightDecay: settings.weightDecay, backboneLrMult: 1 }),
    ),
    train: args.train,
    epochs: settings.epochs,
    seed: settings.seed,
    schedule: {
      kind: 'cosine',
      lr: settings.lr,
      warmupSteps: Math.min(args.train.numBatches, steps - 1),
    },
    clipNorm: settings.clipNorm,
    loss: args.loss,
    validate,
    callbacks: args.callbacks,
    release: args.release,
  };
}
