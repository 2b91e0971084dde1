// `prune(config)`: a classification bundle made sparse (magnitude: smallest kernel weights zeroed
// on a gradual schedule while it fine-tunes) or physically smaller (channels: whole channels
// removed, the network rewritten, then fine-tuned); saved as an ordinary bundle, with the
// accuracy before pruning, right after it and after fine-tuning measured on the same images.
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../../bundle/bundle.js';
import { createLoader } from '../../../data/loader.js';
import { evalTransform } from '../../../data/transforms/index.js';
import type { ClassificationMetrics } from '../../../metrics/index.js';
import { batchNormLayers, freezeBatchNorm } from '../../../train/batchnorm.js';
import type { PairedBatch } from '../../../train/paired-loader.js';
import type { ClassifierEvaluation } from '../../classification/run-outputs.js';
import {
  jsonFile,
  type RunHooks,
  type RunResult,
  type RunTask,
  runTask,
  type Step,
} from '../../run-template.js';
import { hintonLoss, labelCrossEntropy } from '../distill/losses.js';
import { accuracyOn } from '../fine-tune.js';
import { type CompressData, compressedSteps, openCompressionData } from '../run-steps.js';
import { openUnlabeled } from '../soft-targets.js';
import { pruneChannelsInSteps } from './channel-steps.js';
import { type PruneConfig, type PruneConfigInput, resolvePruneConfig } from './config.js';
import { MagnitudePruner, type SparsityReport } from './magnitude.js';
import { defaultSchedule } from './schedule.js';

/** Training images whose activations score channels and measure the means folded in. */
const CALIBRATION_IMAGES = 512;

type Pruned = Awaited<ReturnType<typeof buildModel>>;
type PruneEvaluation = ClassifierEvaluation & { sparsity?: SparsityReport };

export interface PruneResult extends RunResult<PruneConfig, CompressData, ClassificationMetrics> {
  /** Class names in the model's output order. */
  labels: string[];
  parameters: number;
  parametersBefore: number;
  /** Held-out accuracy of the original, of the pruned network before fine-tuning (channels), and after. */
  accuracy: { original: number; pruned?: number; fineTuned: number };
  /** magnitude: share of kernel weights that are zero in the saved bundle. */
  sparsity?: number;
}

/** The report's lines on where the zeros are; every layer's share is in pruning.json. */
function sparsityNotes(report: SparsityReport): string[] {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const byShare = [...report.layers].sort((a, b) => a.sparsity - b.sparsity);
  const least = byShare[0];
  const most = byShare.at(-1);
  return [
    `${pct(report.sparsity)} of ${report.size} kernel weights are zero` +
      (least && most
        ? `; per layer from ${pct(least.sparsity)} (${least.layer}) to ${pct(most.sparsity)} (${most.layer}), each layer in pruning.json.`
        : '.'),
    'Pruned weights are stored as zeros: the bundle is as large as the original on disk (it compresses well) and runs at the same speed on dense kernels.',
  ];
}

/** The bundle's channels removed in steps; per group, its width before the first step and after the last. */
async function pruneChannelStage(config: PruneConfig, data: CompressData) {
  const calibration = createLoader(data.source, data.samples.train.slice(0, CALIBRATION_IMAGES), {
    batchSize: config.batch,
    transform: evalTransform(data.bundle.meta.preprocessing),
  });
  const result = await pruneChannelsInSteps(data.bundle.model, {
    amount: config.amount,
    steps: config.steps,
    importance: config.importance,
    multipleOf: config.multipleOf,
    calibration: async function* () {
      for await (const batch of calibration) yield batch.x;
    },
  });
  // Group ids are the same in every step: the topology does not change, only the widths.
  const first = result.steps[0]!.groups;
  const details = {
    steps: result.steps.map(({ groups: _g, ...rest }) => rest),
    groups: result.steps.at(-1)!.groups.map((g, i) => ({
      layers: g.layers,
      before: first[i]!.before,
      after: g.after,
      ...(g.reason ? { reason: g.reason } : {}),
    })),
  };
  return { model: result.model, details };
}

/** The pruned network (channels) or the pruner that zeroes it while it trains (magnitude), and its teacher. */
async function buildModel({ config, data, log }: Step<PruneConfig> & { data: CompressData }) {
  const { bundle, source, evalSamples } = data;
  const preprocessing = bundle.meta.preprocessing;
  const accuracy = (m: tf.LayersModel) =>
    accuracyOn(m, source, evalSamples, preprocessing, config.batch);
  const parametersBefore = bundle.model.countParams();
  const original = await accuracy(bundle.model);
  log(`${config.model}: ${parametersBefore} parameters, held-out accuracy ${original}`);
  let model = bundle.model;
  let pruned: number | undefined;
  let details: Record<string, unknown> = {};
  let magnitude: MagnitudePruner | undefined;
  if (config.method === 'channels') {
    ({ model, details } = await pruneChannelStage(config, data));
    bundle.model.dispose();
    pruned = await accuracy(model);
    log(
      `removed ${config.amount * 100}% of the channels of each prunable group in ${config.steps} steps: ${parametersBefore} -> ${model.countParams()} parameters; accuracy before fine-tuning ${pruned}`,
    );
  } else {
    magnitude = new MagnitudePruner(model, config.scope);
  }
  // Every layer trains; BatchNorm stays in inference mode when `freezeBn` (as `train` does).
  for (const layer of model.layers) layer.trainable = true;
  if (config.freezeBn) freezeBatchNorm(batchNormLayers(model));
  // The unpruned model as it was saved: the teacher of its pruned copy.
  const teacher = config.distill ? (await loadBundle(config.model)).model : undefined;
  const unlabeled = teacher ? await openUnlabeled(config, source, data.samples) : undefined;
  return {
    classifier: model,
    preprocessing,
    backbone: { name: bundle.meta.backbone.name, embeddingDim: bundle.meta.backbone.embeddingDim },
    accuracy: { original, pruned },
    parametersBefore,
    channelDetails: details,
    magnitude,
    teacher,
    unlabeled,
  };
}

const scheduleOf = (config: PruneConfig, data: CompressData) =>
  defaultSchedule(
    config.amount,
    config.epochs * Math.ceil(data.samples.train.length / config.batch),
  );

function fitPlan(step: Step<PruneConfig> & { data: CompressData; model: Pruned }) {
  const { config, data, model } = step;
  const { classifier, teacher, magnitude } = model;
  return compressedSteps.fitPlan(step, {
    unlabeled: model.unlabeled,
    callbacks: magnitude ? [magnitude.callback(scheduleOf(config, data))] : [],
    loss: (batch) => {
      const logits = classifier.apply(batch.x, { training: true }) as tf.Tensor2D;
      if (!teacher) return labelCrossEntropy(logits, batch.labels);
      const teacherLogits = tf.tidy(() => teacher.predict(batch.x) as tf.Tensor2D);
      return hintonLoss(logits, teacherLogits, batch.labels, config);
    },
    release: () => teacher?.dispose(),
  });
}

type PruneStep = Step<PruneConfig> & {
  data: CompressData;
  model: Pruned;
  evaluation: PruneEvaluation;
};

/** This run's compression step, as the bundle records it. */
function compressionStep({ config, model, evaluation }: PruneStep) {
  const parametersAfter = model.classifier.countParams();
  return {
    kind: config.method === 'channels' ? ('prune-channels' as const) : ('prune-magnitude' as const),
    from: config.model,
    details: {
      amount: config.amount,
      distill: config.distill
        ? {
            temperature: config.temperature,
            alpha: config.alpha,
            unlabeled: model.unlabeled?.samples.length ?? 0,
          }
        : false,
      ...(config.method === 'channels'
        ? { importance: config.importance }
        : { scope: config.scope, sparsity: evaluation.sparsity?.sparsity }),
      parametersBefore: model.parametersBefore,
      parametersAfter,
    },
  };
}

/** What the report says about the run. */
function prunePage({ config, model, evaluation }: PruneStep) {
  const { parametersBefore, accuracy } = model;
  const sparsity = evaluation.sparsity;
  const parametersAfter = model.classifier.countParams();
  const nonzero = sparsity ? parametersAfter - sparsity.zeros : parametersAfter;
  return {
    title: `prune ${config.method} ${config.amount} · ${config.model}`,
    method: {
      name: `prune (${config.method})`,
      summary:
        config.method === 'channels'
          ? `${config.amount * 100}% of the channels of each prunable group removed by ${config.importance} importance: ${parametersBefore} -> ${parametersAfter} parameters`
          : `${((sparsity?.sparsity ?? 0) * 100).toFixed(1)}% of kernel weights zeroed (${config.scope} magnitude, gradual): ${nonzero} of ${parametersAfter} parameters nonzero`,
    },
    notes: [
      `Held-out accuracy of ${config.model} before pruning: ${(accuracy.original * 100).toFixed(1)}%` +
        (accuracy.pruned === undefined
          ? '.'
          : `; pruned, before fine-tuning: ${(accuracy.pruned * 100).toFixed(1)}%.`),
      ...(sparsity ? sparsityNotes(sparsity) : []),
    ],
  };
}

const pruningTask: RunTask<
  PruneConfig,
  CompressData,
  Pruned,
  PairedBatch,
  PruneEvaluation,
  Pick<PruneResult, 'labels' | 'parameters' | 'parametersBefore' | 'accuracy' | 'sparsity'>
> = {
  resolve: resolvePruneConfig,
  openData: ({ config }) => openCompressionData(config.model, 'model', config),
  buildModel,
  fitPlan,
  evaluate: async (step) => ({
    ...(await compressedSteps.evaluate(step)),
    sparsity: step.model.magnitude?.report(),
  }),
  bundle: (step) =>
    compressedSteps.bundle(step, [
      ...(step.data.bundle.meta.compression ?? []),
      compressionStep(step),
    ]),
  files: ({ config, data, model, evaluation: { sparsity } }) => ({
    'pruning.json': jsonFile({
      method: config.method,
      amount: config.amount,
      ...(sparsity
        ? {
            schedule: scheduleOf(config, data),
            sparsity: sparsity.sparsity,
            layers: sparsity.layers,
          }
        : model.channelDetails),
    }),
  }),
  report: (step) => compressedSteps.report(step, prunePage(step)),
  result: (step) => ({
    ...compressedSteps.result(step),
    parametersBefore: step.model.parametersBefore,
    accuracy: { ...step.model.accuracy, fineTuned: step.evaluation.metrics.accuracy },
    sparsity: step.evaluation.sparsity?.sparsity,
  }),
  dispose: ({ model }) => model.magnitude?.dispose(),
};

/** Prunes and fine-tunes the bundle; the configuration is validated (defaults filled) first. */
export async function prune(input: PruneConfigInput, hooks: RunHooks = {}): Promise<PruneResult> {
  return runTask(pruningTask, input, hooks);
}
