// `train(config)`: one classification transfer run end to end — data splits, the chosen
// strategy (linear probe on cached embeddings, fine-tuning, or the same net from scratch),
// evaluation on held-out images, and the outputs: bundle (+ model card), metrics.jsonl,
// checkpoints and report.html in config.out.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, type PretrainedConfig } from '../../backbones/index.js';
import { saveBundle } from '../../bundle/bundle.js';
import { createLoader } from '../../data/loader.js';
import { openSource } from '../../data/sources/open.js';
import { evalTransform, trainTransform } from '../../data/transforms/index.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { ClassificationAccumulator, type ClassificationMetrics } from '../../metrics/index.js';
import { modelCardFromReport } from '../../report/model-card.js';
import type { LrStep, RunReport } from '../../report/types.js';
import { writeModelCard, writeReport } from '../../report/write.js';
import type { Callback } from '../../train/callbacks.js';
import { type FitResult, fit } from '../../train/loop.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { AdamW, buildParamGroups } from '../../train/optim/index.js';
import { backboneIdentity } from '../content-hash.js';
import { cachedEmbeddings } from '../embedding-cache.js';
import {
  describeBlocks,
  type GradualSchedule,
  gradualUnfreezing,
  type KeepFrozen,
  scheduleTable,
  splitBlocks,
  unfreezeLast,
} from '../freeze/index.js';
import {
  createL2SP,
  mixBatch,
  mixRng,
  softCrossEntropy,
  softTargets,
} from '../regularizers/index.js';
import { DEFAULT_LR, type TrainConfig } from './config.js';
import { trainLinearHead } from './linear-head.js';
import { predictProbabilities } from './probabilities.js';
import { chooseSplits, type RunSplits } from './splits.js';
import { worstExamples } from './worst.js';

export interface TrainHooks {
  callbacks?: Callback[];
  /** Progress lines for people (the CLI prints them unless --json/--quiet). */
  log?: (line: string) => void;
}

export interface TrainResult {
  config: TrainConfig;
  /** Class names, in label-index order. */
  labels: string[];
  bundleDir: string;
  reportFile: string;
  /** Where the final metrics were measured: the test split, else validation. */
  evaluatedOn: 'test' | 'val';
  metrics: ClassificationMetrics;
  history: EpochRecord[];
  splits: { train: number; val: number; test: number };
  seconds: number;
}

interface Trained {
  classifier: tf.LayersModel;
  backboneConfig: PretrainedConfig;
  fitResult: FitResult;
  /** Learning rate at every optimizer step, when the run saw all of them. */
  lrSteps?: LrStep[];
  /** Probabilities of the evaluation samples, [n, classes] in sample order. */
  evaluate(samples: readonly Sample[]): Promise<Float32Array>;
}

function metricsOf(
  probs: Float32Array,
  samples: readonly Sample[],
  classes: number,
): ClassificationMetrics {
  const acc = new ClassificationAccumulator(classes, { topK: [1, Math.min(5, classes)] });
  acc.add(
    probs,
    Int32Array.from(samples, (s) => s.label),
  );
  return acc.result();
}

async function trainLinear(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
  hooks: TrainHooks,
): Promise<Trained> {
  const {
    model: embed,
    config: backboneConfig,
    entry,
  } = await createModel(config.backbone, {
    inputSize: config.imageSize,
    embeddingLayer: config.layer,
    seed: config.seed,
  });
  // A random-init backbone (no pretrained weights) is keyed by its seed.
  const backboneKey = await backboneIdentity(config.backbone, {
    pretrained: entry.hasPretrained,
    seed: config.seed,
  });
  const embedAll = async (samples: readonly Sample[], what: string) => {
    const started = performance.now();
    const set = await cachedEmbeddings({
      model: embed,
      backboneKey,
      config: backboneConfig,
      source,
      samples,
      cacheDir: config.cacheDir,
      batchSize: config.batch,
    });
    const s = ((performance.now() - started) / 1000).toFixed(1);
    hooks.log?.(
      `embedded ${what}: ${set.cache.computed} computed, ${set.cache.hits} from cache (${s} s)`,
    );
    return set;
  };
  const train = await embedAll(splits.train, 'train');
  const val = splits.val.length > 0 ? await embedAll(splits.val, 'val') : undefined;
  const head = await trainLinearHead(train, val, {
    classes: source.classes.length,
    hidden: config.hidden,
    dropRate: config.dropRate,
    epochs: config.epochs,
    batchSize: config.batch,
    lr: config.lr ?? DEFAULT_LR.linear,
    weightDecay: config.weightDecay,
    labelSmoothing: config.labelSmoothing,
    seed: config.seed,
    outDir: config.out,
    resume: config.resume,
    callbacks: hooks.callbacks,
  });
  const classifier = tf.model({
    inputs: embed.inputs,
    outputs: head.apply(embed.outputs[0] as tf.SymbolicTensor),
    name: 'classifier',
  });
  return {
    classifier,
    backboneConfig,
    fitResult: head.result,
    // The head on cached embeddings computes what the composed classifier computes, without
    // running the backbone again.
    evaluate: async (samples) => {
      const set = await embedAll(samples, 'evaluation images');
      return tf.tidy(
        () =>
          tf
            .softmax(
              head.model.predict(
                tf.tensor2d(set.embeddings, [set.labels.length, set.dim]),
              ) as tf.Tensor2D,
            )
            .dataSync() as Float32Array,
      );
    },
  };
}

/** Records the learning rate of every optimizer step, for the report's learning-rate curve. */
function lrRecorder(): Callback & { steps: LrStep[] } {
  const steps: LrStep[] = [];
  return {
    steps,
    onBatchEnd: ({ step, lr }) => {
      steps.push({ step, lr });
    },
  };
}

function augmentation(kind: TrainConfig['augment'], config: PretrainedConfig): Transform {
  if (kind === 'none') return evalTransform(config);
  if (kind === 'standard') return trainTransform(config);
  return trainTransform(config, { scale: [0.6, 1], colorJitter: false });
}

async function trainNetwork(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
  hooks: TrainHooks,
): Promise<Trained> {
  const pretrained = config.strategy === 'finetune';
  const classes = source.classes.length;
  const {
    model,
    config: backboneConfig,
    entry,
  } = await createModel(config.backbone, {
    numClasses: classes,
    inputSize: config.imageSize,
    pretrained,
    dropRate: config.dropRate,
    embeddingLayer: config.layer,
    seed: config.seed,
  });
  for (const layer of model.layers) {
    if (layer.getClassName() === 'BatchNormalization')
      (layer as unknown as { momentum: number }).momentum = config.bnMomentum;
  }
  // Frozen BatchNorm runs in inference mode (src/backbones/batchnorm-fix.ts), in every block.
  const keepFrozen: KeepFrozen = (layer) =>
    pretrained && config.freezeBn && layer.getClassName() === 'BatchNormalization';
  const blocks = pretrained ? splitBlocks(model, entry.blocks) : [];
  const gradualSchedule: GradualSchedule | undefined = config.gradualUnfreeze
    ? { every: config.gradualUnfreeze, max: config.unfreeze }
    : undefined;
  if (gradualSchedule) {
    const table = scheduleTable(gradualSchedule, config.epochs, blocks.length);
    hooks.log?.(
      `gradual unfreezing of ${describeBlocks(blocks)}: blocks training per epoch ${table.join(' ')}`,
    );
    unfreezeLast(model, table[0] ?? 0, blocks, keepFrozen);
  } else if (pretrained) {
    const frozen = unfreezeLast(model, config.unfreeze, blocks, keepFrozen);
    hooks.log?.(`fine-tuning ${frozen.count} of ${describeBlocks(blocks)} + head`);
  }
  // L2-SP replaces weight decay: decay would pull the pretrained weights toward 0 instead.
  const l2sp =
    pretrained && config.l2sp > 0 ? createL2SP(model, { alpha: config.l2sp }) : undefined;
  const paramGroups = {
    weightDecay: l2sp ? 0 : config.weightDecay,
    backboneLrMult: pretrained ? config.backboneLrMult : 1,
  };
  const optimizer = new AdamW(buildParamGroups(model, paramGroups));
  const gradual =
    gradualSchedule &&
    gradualUnfreezing({
      model,
      blocks,
      schedule: gradualSchedule,
      optimizer,
      keepFrozen,
      paramGroups,
      onChange: (epoch, r) => {
        if (epoch > 1) hooks.log?.(`epoch ${epoch}: ${r.count} of ${blocks.length} blocks train`);
      },
    });
  gradual?.applyEpoch(1);
  const lrSteps = lrRecorder();
  const mixer =
    config.mixup > 0 || config.cutmix > 0
      ? mixBatch({ mixupAlpha: config.mixup, cutmixAlpha: config.cutmix })
      : undefined;
  const evalT = evalTransform(backboneConfig);
  const train = createLoader(source, splits.train, {
    batchSize: config.batch,
    transform: augmentation(config.augment, backboneConfig),
    shuffle: true,
    seed: config.seed,
  });
  const validate =
    splits.val.length > 0
      ? async () => {
          const m = metricsOf(
            (await predictProbabilities(model, source, splits.val, evalT, config.batch))
              .probabilities,
            splits.val,
            classes,
          );
          return { val_loss: m.nll, val_accuracy: m.accuracy };
        }
      : undefined;
  const fitResult = await fit({
    model,
    optimizer,
    train,
    epochs: config.epochs,
    seed: config.seed,
    schedule: {
      kind: 'cosine',
      lr: config.lr ?? DEFAULT_LR[config.strategy],
      warmupSteps: Math.min(train.numBatches, config.epochs * train.numBatches - 1),
    },
    loss: (batch, info) => {
      const targets = softTargets(batch.labels, classes, config.labelSmoothing);
      const mixed = mixer?.(batch.x, targets, mixRng(config.seed, info.step));
      const logits = model.apply(mixed?.x ?? batch.x, { training: true }) as tf.Tensor2D;
      const loss = softCrossEntropy(logits, mixed?.targets ?? targets);
      return l2sp ? (tf.add(loss, l2sp.penalty()) as tf.Scalar) : loss;
    },
    validate,
    outDir: config.out,
    resume: config.resume,
    callbacks: [...(gradual ? [gradual] : []), lrSteps, ...(hooks.callbacks ?? [])],
  });
  optimizer.dispose();
  l2sp?.dispose();
  return {
    classifier: model,
    backboneConfig,
    fitResult,
    // A resumed run saw only its own steps: its report falls back to the per-epoch curve.
    lrSteps: fitResult.resumedFromEpoch === 0 ? lrSteps.steps : undefined,
    evaluate: async (samples) =>
      (await predictProbabilities(model, source, samples, evalT, config.batch)).probabilities,
  };
}

export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const started = performance.now();
  const source = await openSource(config.data, { skipBad: config.skipBad });
  const splits = chooseSplits(source, config);
  hooks.log?.(
    `data: ${source.name}, ${source.classes.length} classes; ${splits.train.length} train / ${splits.val.length} val / ${splits.test.length} test`,
  );
  const trained =
    config.strategy === 'linear'
      ? await trainLinear(config, source, splits, hooks)
      : await trainNetwork(config, source, splits, hooks);

  const evaluatedOn = splits.test.length > 0 ? 'test' : 'val';
  const evalSamples = evaluatedOn === 'test' ? splits.test : splits.val;
  if (evalSamples.length === 0) {
    throw badInput(
      `${source.name}: no held-out images to evaluate on (add a test split or use --val > 0)`,
    );
  }
  const probabilities = await trained.evaluate(evalSamples);
  const metrics = metricsOf(probabilities, evalSamples, source.classes.length);

  const bc = trained.backboneConfig;
  const bundleDir = path.join(config.out, 'bundle');
  const history = trained.fitResult.history;
  await saveBundle(bundleDir, trained.classifier, {
    task: 'classification',
    labels: source.classes,
    preprocessing: {
      inputSize: bc.inputSize,
      mean: bc.mean,
      std: bc.std,
      interpolation: bc.interpolation,
      cropPct: 0.875,
    },
    backbone: { name: config.backbone, embeddingDim: bc.embeddingDim },
    training: { ...config },
    metrics: {
      accuracy: metrics.accuracy,
      balancedAccuracy: metrics.balancedAccuracy,
      macroF1: metrics.macroF1,
      ece: metrics.ece,
    },
  });

  const report: RunReport = {
    title: `${config.strategy} · ${config.backbone} · ${source.name}`,
    createdAt: new Date().toISOString(),
    config: { ...config },
    data: {
      name: source.name,
      classes: source.classes,
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
    backbone: {
      name: config.backbone,
      source: bc.source,
      licence: bc.licence,
      inputSize: bc.inputSize,
    },
    method: { name: config.strategy },
    history: history.map((r) => ({
      epoch: r.epoch,
      trainLoss: r.loss as number,
      valLoss: r.val_loss as number | undefined,
      valAccuracy: r.val_accuracy as number | undefined,
      lr: r.lr as number,
    })),
    lrSteps: trained.lrSteps,
    final: {
      accuracy: metrics.accuracy,
      balancedAccuracy: metrics.balancedAccuracy,
      macroF1: metrics.macroF1,
      ece: metrics.ece,
    },
    evaluatedOn,
    confusion: metrics.confusion,
    perClass: metrics.perClass.map((c, i) => ({
      label: source.classes[i],
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    })),
    worst: await worstExamples(source, evalSamples, probabilities, source.classes),
    reliability: metrics.reliability.flatMap((b) =>
      b.count > 0
        ? [
            {
              lo: b.lower,
              hi: b.upper,
              confidence: b.meanConfidence as number,
              accuracy: b.accuracy as number,
              count: b.count,
            },
          ]
        : [],
    ),
  };
  const reportFile = await writeReport(config.out, report);
  await writeModelCard(bundleDir, modelCardFromReport(report, { bundleDir }));
  return {
    config,
    labels: source.classes,
    bundleDir,
    reportFile,
    evaluatedOn,
    metrics,
    history,
    splits: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
    seconds: (performance.now() - started) / 1000,
  };
}
