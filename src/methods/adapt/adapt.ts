// `adapt(config)`: one domain-adaptation run end to end — labelled source and unlabelled target
// drawn together through the shared training loop, the method's transfer loss added to the
// source classification loss, a checkpoint chosen without target labels, then the outputs:
// bundle (+ model card), metrics.jsonl, checkpoints and report.html with the domain diagnostics.

import * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../../backbones/index.js';
import { createLoader } from '../../data/loader.js';
import { evalTransform, trainTransform } from '../../data/transforms/index.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';
import { trainingShard } from '../../distributed/shard.js';
import { badInput } from '../../errors.js';
import type { ClassificationMetrics } from '../../metrics/index.js';
import {
  batchNormLayers,
  freezeBatchNorm,
  reestimateBatchNormStats,
} from '../../train/batchnorm.js';
import { buildParamGroups, SGD } from '../../train/optim/index.js';
import { type PairedBatch, pairedLoader } from '../../train/paired-loader.js';
import { EVALUATION_FILE, evaluationFile } from '../classification/evaluation-file.js';
import { predictProbabilities } from '../classification/probabilities.js';
import { classifierBundleMeta } from '../classification/run-outputs.js';
import { metricsOf } from '../classification/strategy.js';
import {
  jsonFile,
  type RunHooks,
  type RunResult,
  type RunTask,
  runTask,
  type Step,
} from '../run-template.js';
import { type AdaptConfig, type AdaptConfigInput, resolveAdaptConfig } from './config.js';
import { proxyADistance } from './diagnostics/index.js';
import { type Domains, openDomains } from './domains.js';
import { meanEntropy } from './losses/index.js';
import { createMethod } from './methods/index.js';
import { createAdaptNetwork } from './network.js';
import { predictFeatures } from './outputs.js';
import { adaptRunReport, type DomainFeatures, type Evaluation } from './run-report.js';
import { stepLoss } from './step-loss.js';

type AdaptData = Awaited<ReturnType<typeof openData>>;
type AdaptModel = Awaited<ReturnType<typeof buildModel>>;

export interface AdaptResult extends RunResult<AdaptConfig, AdaptData, ClassificationMetrics> {
  labels: string[];
  /** Target test metrics when target labels were given (evaluation only). */
  targetMetrics?: ClassificationMetrics;
  /** Source validation metrics of the selected checkpoint. */
  sourceMetrics?: ClassificationMetrics;
  /** Epoch whose weights were kept, chosen by `config.selection`. */
  selectedEpoch: number | null;
  /** Between the domains' features before and after; absent when a domain has too few images. */
  proxyADistance?: { before: number; after: number };
}

/** At most this many images per domain feed the proxy A-distance and the scatter. */
const DIAGNOSTIC_SAMPLES = 500;
/** Held-out sets smaller than this are topped up with training images for the diagnostics. */
const MIN_DIAGNOSTIC_SAMPLES = 20;

function transforms(config: AdaptConfig, bc: PretrainedConfig) {
  const hflip = config.hflip ? 0.5 : 0;
  const pick: Record<AdaptConfig['augment'], Transform> = {
    none: evalTransform(bc),
    light: trainTransform(bc, { scale: [0.6, 1], colorJitter: false, hflip }),
    standard: trainTransform(bc, { hflip }),
  };
  return {
    train: pick[config.augment],
    // FixMatch's strong view: a harder crop and colour jitter on top of the weak one.
    strong: trainTransform(bc, {
      scale: [0.4, 1],
      hflip,
      colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4 },
    }),
    eval: evalTransform(bc),
  };
}

/** Features of up to DIAGNOSTIC_SAMPLES held-out images per domain (proxy A-distance, scatter). */
async function domainFeatures(
  net: tf.LayersModel,
  domains: Domains,
  transform: Transform,
  batch: number,
): Promise<DomainFeatures> {
  const features = async (source: DataSource, held: Sample[], train: Sample[]) =>
    predictFeatures(
      net,
      source,
      (held.length >= MIN_DIAGNOSTIC_SAMPLES ? held : [...held, ...train]).slice(
        0,
        DIAGNOSTIC_SAMPLES,
      ),
      transform,
      batch,
    );
  return {
    source: await features(domains.source, domains.sourceVal, domains.sourceTrain),
    target: await features(domains.target, domains.targetVal, domains.targetTrain),
  };
}

/** The domains, checked, and what the final evaluation runs on. */
async function openData({ config, log }: Step<AdaptConfig>) {
  const domains = await openDomains(config);
  const { source, target } = domains;
  log(
    `source: ${source.name}, ${source.classes.length} classes; ${domains.sourceTrain.length} train / ${domains.sourceVal.length} val`,
  );
  log(
    `target: ${target.name}; ${domains.targetTrain.length} unlabelled train / ${domains.targetVal.length} held out` +
      (domains.targetTest
        ? `; ${domains.targetTest.samples.length} labelled test images (evaluation only)`
        : ''),
  );
  for (const [name, n] of [
    [source.name, domains.sourceTrain.length],
    [target.name, domains.targetTrain.length],
  ] as const) {
    if (n < config.batch)
      throw badInput(
        `${name}: ${n} training images, fewer than one batch of ${config.batch} (lower batch)`,
      );
  }
  // Evaluated on the labelled target test images when given (evaluation only), else on the
  // source validation images.
  const evalSet = domains.targetTest
    ? { source: domains.targetTest.source, samples: domains.targetTest.samples }
    : { source, samples: domains.sourceVal };
  if (evalSet.samples.length === 0)
    throw badInput(`${source.name}: nothing to evaluate on (give targetTest, or set val > 0)`);
  return {
    domains,
    classes: source.classes.length,
    evalSet,
    evaluatedOn: domains.targetTest ? 'target test' : 'source val',
    splits: {
      train: domains.sourceTrain.length,
      val: domains.sourceVal.length,
      test: evalSet.samples.length,
    },
  };
}

/** The network, the method's modules, one model holding every trained weight, and the features before training. */
async function buildModel({ config, data }: Step<AdaptConfig> & { data: AdaptData }) {
  const network = await createAdaptNetwork({
    backbone: config.backbone,
    classes: data.classes,
    bottleneck: config.bottleneck,
    inputSize: config.imageSize,
    pretrained: config.pretrained,
    seed: config.seed,
  });
  // Pretrained BatchNorm keeps its statistics (inference mode), as `train` does.
  if (config.freezeBn && config.pretrained)
    freezeBatchNorm(batchNormLayers(network.backboneLayers));
  const method = createMethod(config, {
    featureDim: network.featureDim,
    classes: data.classes,
    seed: config.seed,
  });
  // One model holding every trained weight, so checkpoints and best-epoch restores cover the
  // discriminator too.
  const everything =
    method.modules.length === 0
      ? network.net
      : tf.model({
          inputs: [network.net.inputs[0]!, ...method.modules.map((m) => m.inputs[0]!)],
          outputs: [...network.net.outputs, ...method.modules.map((m) => m.outputs[0]!)],
          name: 'adaptation',
        });
  const t = transforms(config, network.backboneConfig);
  const probabilities = async (source: DataSource, samples: readonly Sample[]) =>
    (await predictProbabilities(network.classifier, source, samples, t.eval, config.batch))
      .probabilities;
  const before = await domainFeatures(network.net, data.domains, t.eval, config.batch);
  return { network, method, everything, t, probabilities, before };
}

/** Source and target batches drawn together: the target twice (weak, strong) where the method wants it. */
function trainBatches(config: AdaptConfig, domains: Domains, model: AdaptModel) {
  const { method, t } = model;
  const loaderOptions = {
    batchSize: config.batch,
    shuffle: true,
    dropLast: true,
    shard: trainingShard(),
  };
  const targetLoader = (transform: Transform) =>
    createLoader(domains.target, domains.targetTrain, {
      ...loaderOptions,
      // Weak and strong views of the same images in the same order: same seed, other transform.
      transform,
      seed: config.seed + 1,
    });
  return pairedLoader({
    source: createLoader(domains.source, domains.sourceTrain, {
      ...loaderOptions,
      transform: t.train,
      seed: config.seed,
    }),
    target: method.usesTarget ? targetLoader(t.train) : undefined,
    targetStrong: method.needsStrongView ? targetLoader(t.strong) : undefined,
  });
}

/** After each epoch: source validation, target entropy, target accuracy (never monitored), the transfer loss. */
function validation(
  data: AdaptData,
  model: AdaptModel,
  transferSum: { value: number; steps: number },
) {
  const { domains, classes } = data;
  const { probabilities } = model;
  return async () => {
    const record: Record<string, number> = {};
    if (domains.sourceVal.length > 0) {
      const p = await probabilities(domains.source, domains.sourceVal);
      const m = metricsOf(p, domains.sourceVal, classes);
      record.val_loss = m.nll;
      record.val_accuracy = m.accuracy;
    }
    if (domains.targetVal.length > 0) {
      const p = await probabilities(domains.target, domains.targetVal);
      record.target_entropy = tf.tidy(
        () => meanEntropy(tf.tensor2d(p, [domains.targetVal.length, classes])).dataSync()[0]!,
      );
    }
    if (domains.targetTest) {
      // Reported per epoch, never monitored: selection below watches only label-free metrics.
      const { source: test, samples } = domains.targetTest;
      record.target_accuracy = metricsOf(
        await probabilities(test, samples),
        samples,
        classes,
      ).accuracy;
    }
    if (transferSum.steps > 0) record.transfer_loss = transferSum.value / transferSum.steps;
    transferSum.value = 0;
    transferSum.steps = 0;
    return { ...record, ...model.method.takeEpochStats() };
  };
}

/** Domain BatchNorm, the features after training and their proxy A-distance, and the held-out metrics. */
async function evaluate({
  config,
  data,
  model,
  log,
}: Step<AdaptConfig> & { data: AdaptData; model: AdaptModel }) {
  const { domains, classes } = data;
  const { network, t, probabilities, before } = model;
  if (config.domainBn) {
    const batches = await reestimateBatchNormStats(
      network.classifier,
      createLoader(domains.target, domains.targetTrain, {
        batchSize: config.batch,
        transform: t.eval,
        shuffle: true,
        seed: config.seed + 3,
      }),
    );
    log(`domain BatchNorm: statistics re-estimated on ${batches} target batches`);
  }
  const after = await domainFeatures(network.net, domains, t.eval, config.batch);
  // A linear domain classifier needs a few images per domain to train and test on.
  const enough = Math.min(before.source.length, before.target.length) >= MIN_DIAGNOSTIC_SAMPLES;
  const pad = enough
    ? {
        before: proxyADistance(before.source, before.target, { seed: config.seed }).distance,
        after: proxyADistance(after.source, after.target, { seed: config.seed }).distance,
      }
    : undefined;
  if (!pad)
    log(`proxy A-distance skipped: fewer than ${MIN_DIAGNOSTIC_SAMPLES} images in a domain`);
  const { evalSet } = data;
  const evalProbabilities = await probabilities(evalSet.source, evalSet.samples);
  const evaluation: Evaluation = {
    ...evalSet,
    split: data.evaluatedOn,
    probabilities: evalProbabilities,
    metrics: metricsOf(evalProbabilities, evalSet.samples, classes),
  };
  const sourceMetrics = !domains.targetTest
    ? evaluation.metrics
    : domains.sourceVal.length > 0
      ? metricsOf(
          await probabilities(domains.source, domains.sourceVal),
          domains.sourceVal,
          classes,
        )
      : undefined;
  return {
    ...evaluation,
    after,
    proxyADistance: pad,
    sourceMetrics,
    targetMetrics: domains.targetTest ? evaluation.metrics : undefined,
  };
}

const adaptationTask: RunTask<
  AdaptConfig,
  AdaptData,
  AdaptModel,
  PairedBatch,
  Awaited<ReturnType<typeof evaluate>>,
  Pick<
    AdaptResult,
    'labels' | 'targetMetrics' | 'sourceMetrics' | 'selectedEpoch' | 'proxyADistance'
  >
> = {
  resolve: resolveAdaptConfig,
  openData,
  buildModel,
  fitPlan: ({ config, data, model }) => {
    const { network, everything, method } = model;
    const backbone = new Set(network.backboneLayers.map((l) => l.name));
    const train = trainBatches(config, data.domains, model);
    const transferSum = { value: 0, steps: 0 };
    const totalSteps = Math.max(1, config.epochs * train.numBatches);
    return {
      model: everything,
      optimizer: new SGD(
        buildParamGroups(everything, {
          headLayers: everything.layers.map((l) => l.name).filter((n) => !backbone.has(n)),
          backboneLrMult: config.pretrained ? config.backboneLrMult : 1,
          weightDecay: config.weightDecay,
        }),
        { momentum: 0.9 },
      ),
      train,
      epochs: config.epochs,
      seed: config.seed,
      // The annealing of Ganin et al. (2016), for every method alike: one budget, one schedule.
      schedule: { kind: 'inverse', lr: config.lr },
      earlyStopping:
        config.selection === 'source-val'
          ? { monitor: 'val_accuracy', mode: 'max', patience: config.epochs }
          : { monitor: 'target_entropy', mode: 'min', patience: config.epochs },
      loss: (batch, info) =>
        stepLoss(
          network.net,
          method,
          config,
          data.classes,
          batch,
          info.step / totalSteps,
          transferSum,
        ),
      validate: validation(data, model, transferSum),
    };
  },
  evaluate,
  bundle: ({ config, data, model, evaluation }) => ({
    model: model.network.classifier,
    meta: classifierBundleMeta(
      model.network.backboneConfig,
      config.backbone,
      data.domains.source.classes,
      { ...config },
      evaluation.metrics,
    ),
  }),
  // The labelled target test images when given ('test'), else the source validation images.
  files: ({ data, evaluation }) => ({
    [EVALUATION_FILE]: jsonFile(
      evaluationFile(
        evaluation,
        data.domains.source.classes,
        data.domains.targetTest ? 'test' : 'val',
      ),
    ),
  }),
  report: async ({ config, data, model, fitted, evaluation }) => ({
    report: await adaptRunReport({
      config,
      domains: data.domains,
      backboneConfig: model.network.backboneConfig,
      methodSummary: model.method.summary,
      history: fitted.result.history,
      evaluation,
      proxyADistance: evaluation.proxyADistance,
      features: { before: model.before, after: evaluation.after },
    }),
  }),
  result: ({ data, fitted, evaluation }) => ({
    labels: data.domains.source.classes,
    targetMetrics: evaluation.targetMetrics,
    sourceMetrics: evaluation.sourceMetrics,
    selectedEpoch: fitted.result.bestEpoch,
    proxyADistance: evaluation.proxyADistance,
  }),
  // The bundle holds the result; free the weights (the classifier's layers are the network's).
  dispose: ({ model }) => {
    model.method.dispose();
    model.network.net.dispose();
  },
};

/** Adapts a classifier to the target domain; the configuration is validated (defaults filled) first. */
export async function adapt(input: AdaptConfigInput, hooks: RunHooks = {}): Promise<AdaptResult> {
  return runTask(adaptationTask, input, hooks);
}
