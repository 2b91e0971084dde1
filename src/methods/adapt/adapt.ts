// `adapt(config)`: one domain-adaptation run end to end — labelled source and unlabelled target
// drawn together through the shared training loop, the method's transfer loss added to the
// source classification loss, a checkpoint chosen without target labels, then the outputs:
// bundle (+ model card), metrics.jsonl, checkpoints and report.html with the domain diagnostics.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../../backbones/index.js';
import { saveBundle } from '../../bundle/bundle.js';
import { createLoader } from '../../data/loader.js';
import { evalTransform, trainTransform } from '../../data/transforms/index.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import type { ClassificationMetrics } from '../../metrics/index.js';
import { modelCardFromReport } from '../../report/model-card.js';
import { writeModelCard, writeReport } from '../../report/write.js';
import { fit } from '../../train/loop.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { buildParamGroups, SGD } from '../../train/optim/index.js';
import { pairedLoader } from '../../train/paired-loader.js';
import { predictProbabilities } from '../classification/probabilities.js';
import { classifierBundleMeta } from '../classification/run-outputs.js';
import { metricsOf, type TrainHooks } from '../classification/strategy.js';
import { reestimateBatchNorm } from './batchnorm-stats.js';
import type { AdaptConfig } from './config.js';
import { proxyADistance } from './diagnostics/index.js';
import { type Domains, openDomains } from './domains.js';
import { meanEntropy } from './losses/index.js';
import { createMethod } from './methods/index.js';
import { createAdaptNetwork } from './network.js';
import { predictFeatures } from './outputs.js';
import { adaptRunReport, type DomainFeatures } from './run-report.js';
import { stepLoss } from './step-loss.js';

export interface AdaptResult {
  config: AdaptConfig;
  labels: string[];
  bundleDir: string;
  reportFile: string;
  /** Target test metrics when target labels were given (evaluation only). */
  targetMetrics?: ClassificationMetrics;
  /** Source validation metrics of the selected checkpoint. */
  sourceMetrics?: ClassificationMetrics;
  /** Epoch whose weights were kept, chosen by `config.selection`. */
  selectedEpoch: number | null;
  /** Between the domains' features before and after; absent when a domain has too few images. */
  proxyADistance?: { before: number; after: number };
  history: EpochRecord[];
  seconds: number;
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

export async function adapt(config: AdaptConfig, hooks: TrainHooks = {}): Promise<AdaptResult> {
  const started = performance.now();
  const domains = await openDomains(config);
  const { source, target } = domains;
  const classes = source.classes.length;
  hooks.log?.(
    `source: ${source.name}, ${classes} classes; ${domains.sourceTrain.length} train / ${domains.sourceVal.length} val`,
  );
  hooks.log?.(
    `target: ${target.name}; ${domains.targetTrain.length} unlabelled train / ${domains.targetVal.length} held out` +
      (domains.targetTest
        ? `; ${domains.targetTest.samples.length} labelled test images (evaluation only)`
        : ''),
  );

  const network = await createAdaptNetwork({
    backbone: config.backbone,
    classes,
    bottleneck: config.bottleneck,
    inputSize: config.imageSize,
    pretrained: config.pretrained,
    seed: config.seed,
  });
  const { net, classifier, backboneConfig: bc } = network;
  if (config.freezeBn && config.pretrained) {
    // Pretrained BatchNorm keeps its statistics (inference mode), as `train` does.
    for (const layer of network.backboneLayers)
      if (layer.getClassName() === 'BatchNormalization') layer.trainable = false;
  }
  const method = createMethod(config, {
    featureDim: network.featureDim,
    classes,
    seed: config.seed,
  });
  // One model holding every trained weight, so checkpoints and best-epoch restores cover the
  // discriminator too.
  const everything =
    method.modules.length === 0
      ? net
      : tf.model({
          inputs: [net.inputs[0]!, ...method.modules.map((m) => m.inputs[0]!)],
          outputs: [...net.outputs, ...method.modules.map((m) => m.outputs[0]!)],
          name: 'adaptation',
        });
  const backbone = new Set(network.backboneLayers.map((l) => l.name));
  const optimizer = new SGD(
    buildParamGroups(everything, {
      headLayers: everything.layers.map((l) => l.name).filter((n) => !backbone.has(n)),
      backboneLrMult: config.pretrained ? config.backboneLrMult : 1,
      weightDecay: config.weightDecay,
    }),
    { momentum: 0.9 },
  );

  const t = transforms(config, bc);
  const probabilities = async (data: DataSource, samples: readonly Sample[]) =>
    (await predictProbabilities(classifier, data, samples, t.eval, config.batch)).probabilities;
  const loaderOptions = { batchSize: config.batch, shuffle: true, dropLast: true };
  const sourceLoader = createLoader(source, domains.sourceTrain, {
    ...loaderOptions,
    transform: t.train,
    seed: config.seed,
  });
  const targetLoader = (transform: Transform) =>
    createLoader(target, domains.targetTrain, {
      ...loaderOptions,
      // Weak and strong views of the same images in the same order: same seed, other transform.
      transform,
      seed: config.seed + 1,
    });
  for (const [name, n] of [
    [source.name, domains.sourceTrain.length],
    [target.name, domains.targetTrain.length],
  ] as const) {
    if (n < config.batch) {
      throw badInput(
        `${name}: ${n} training images, fewer than one batch of ${config.batch} (lower --batch)`,
      );
    }
  }
  const train = pairedLoader({
    source: sourceLoader,
    target: method.usesTarget ? targetLoader(t.train) : undefined,
    targetStrong: method.needsStrongView ? targetLoader(t.strong) : undefined,
  });

  const before = await domainFeatures(net, domains, t.eval, config.batch);
  const transferSum = { value: 0, steps: 0 };
  const totalSteps = Math.max(1, config.epochs * train.numBatches);
  const validate = async () => {
    const record: Record<string, number> = {};
    if (domains.sourceVal.length > 0) {
      const m = metricsOf(
        await probabilities(source, domains.sourceVal),
        domains.sourceVal,
        classes,
      );
      record.val_loss = m.nll;
      record.val_accuracy = m.accuracy;
    }
    if (domains.targetVal.length > 0) {
      const p = await probabilities(target, domains.targetVal);
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
    return { ...record, ...method.takeEpochStats() };
  };

  const fitResult = await fit({
    model: everything,
    optimizer,
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
      stepLoss(net, method, config, classes, batch, info.step / totalSteps, transferSum),
    validate,
    outDir: config.out,
    resume: config.resume,
    callbacks: hooks.callbacks,
  });
  optimizer.dispose();

  if (config.domainBn) {
    const batches = await reestimateBatchNorm(
      classifier,
      createLoader(target, domains.targetTrain, {
        batchSize: config.batch,
        transform: t.eval,
        shuffle: true,
        seed: config.seed + 3,
      }),
    );
    hooks.log?.(`domain BatchNorm: statistics re-estimated on ${batches} target batches`);
  }
  const after = await domainFeatures(net, domains, t.eval, config.batch);
  // A linear domain classifier needs a few images per domain to train and test on.
  const enough = Math.min(before.source.length, before.target.length) >= MIN_DIAGNOSTIC_SAMPLES;
  const pad = enough
    ? {
        before: proxyADistance(before.source, before.target, { seed: config.seed }).distance,
        after: proxyADistance(after.source, after.target, { seed: config.seed }).distance,
      }
    : undefined;
  if (!pad)
    hooks.log?.(
      `proxy A-distance skipped: fewer than ${MIN_DIAGNOSTIC_SAMPLES} images in a domain`,
    );

  // Evaluated on the labelled target test images when given (evaluation only), else on the
  // source validation images.
  const evalSet = domains.targetTest
    ? {
        source: domains.targetTest.source,
        samples: domains.targetTest.samples,
        split: 'target test',
      }
    : { source, samples: domains.sourceVal, split: 'source val' };
  if (evalSet.samples.length === 0) {
    throw badInput(`${source.name}: nothing to evaluate on (give --target-test, or use --val > 0)`);
  }
  const evalProbabilities = await probabilities(evalSet.source, evalSet.samples);
  const evaluation = {
    ...evalSet,
    probabilities: evalProbabilities,
    metrics: metricsOf(evalProbabilities, evalSet.samples, classes),
  };
  const sourceMetrics = !domains.targetTest
    ? evaluation.metrics
    : domains.sourceVal.length > 0
      ? metricsOf(await probabilities(source, domains.sourceVal), domains.sourceVal, classes)
      : undefined;
  const targetMetrics = domains.targetTest ? evaluation.metrics : undefined;
  const history = fitResult.history;

  const bundleDir = path.join(config.out, 'bundle');
  await saveBundle(
    bundleDir,
    classifier,
    classifierBundleMeta(bc, config.backbone, source.classes, { ...config }, evaluation.metrics),
  );
  const report = await adaptRunReport({
    config,
    domains,
    backboneConfig: bc,
    methodSummary: method.summary,
    history,
    evaluation,
    proxyADistance: pad,
    features: { before, after },
  });
  const reportFile = await writeReport(config.out, report);
  await writeModelCard(bundleDir, modelCardFromReport(report, { bundleDir }));
  // The bundle holds the result; free the weights (the classifier's layers are the network's).
  method.dispose();
  net.dispose();
  return {
    config,
    labels: source.classes,
    bundleDir,
    reportFile,
    targetMetrics,
    sourceMetrics,
    selectedEpoch: fitResult.bestEpoch,
    proxyADistance: pad,
    history,
    seconds: (performance.now() - started) / 1000,
  };
}
