// `prune(config)`: a classification bundle made sparse (magnitude: smallest kernel weights zeroed
// on a gradual schedule while it fine-tunes) or physically smaller (channels: whole channels
// removed, the network rewritten, then fine-tuned); saved as an ordinary bundle, with the
// accuracy before pruning, right after it and after fine-tuning measured on the same images.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../../bundle/bundle.js';
import { createLoader } from '../../../data/loader.js';
import { evalTransform } from '../../../data/transforms/index.js';
import { writeFileAtomic } from '../../../engine/file-io.js';
import type { TrainHooks } from '../../classification/strategy.js';
import { openBundleAndData } from '../align-labels.js';
import { hintonLoss, labelCrossEntropy } from '../distill/losses.js';
import { accuracyOn, fineTune } from '../fine-tune.js';
import { type CompressedResult, finishCompressedRun } from '../outputs.js';
import { openUnlabeled, softTargetBatches } from '../soft-targets.js';
import { pruneChannelsInSteps } from './channel-steps.js';
import type { PruneConfig } from './config.js';
import { MagnitudePruner, type SparsityReport } from './magnitude.js';
import { defaultSchedule } from './schedule.js';

/** Training images whose activations score channels and measure the means folded in. */
const CALIBRATION_IMAGES = 512;

export interface PruneResult extends CompressedResult {
  config: PruneConfig;
  parametersBefore: number;
  /** Held-out accuracy of the original, of the pruned network before fine-tuning (channels), and after. */
  accuracy: { original: number; pruned?: number; fineTuned: number };
  /** magnitude: share of kernel weights that are zero in the saved bundle. */
  sparsity?: number;
  seconds: number;
}

/** Every layer trains; BatchNorm stays in inference mode when `freezeBn` (as `train` does). */
function setTrainable(model: tf.LayersModel, freezeBn: boolean): void {
  for (const layer of model.layers)
    layer.trainable = !(freezeBn && layer.getClassName() === 'BatchNormalization');
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

export async function prune(config: PruneConfig, hooks: TrainHooks = {}): Promise<PruneResult> {
  const started = performance.now();
  const { bundle, source, splits } = await openBundleAndData(config.model, '--model', config);
  const heldOut = splits.test.length > 0 ? splits.test : splits.val;
  const preprocessing = bundle.meta.preprocessing;
  const accuracy = (m: tf.LayersModel) =>
    accuracyOn(m, source, heldOut, preprocessing, config.batch);
  const parametersBefore = bundle.model.countParams();
  const original = await accuracy(bundle.model);
  hooks.log?.(`${config.model}: ${parametersBefore} parameters, held-out accuracy ${original}`);

  let model = bundle.model;
  let pruned: number | undefined;
  let details: Record<string, unknown>;
  let magnitude: MagnitudePruner | undefined;
  if (config.method === 'channels') {
    const calibration = createLoader(source, splits.train.slice(0, CALIBRATION_IMAGES), {
      batchSize: config.batch,
      transform: evalTransform(preprocessing),
    });
    const result = await pruneChannelsInSteps(bundle.model, {
      amount: config.amount,
      steps: config.steps,
      importance: config.importance,
      multipleOf: config.multipleOf,
      calibration: async function* () {
        for await (const batch of calibration) yield batch.x;
      },
    });
    model = result.model;
    bundle.model.dispose();
    pruned = await accuracy(model);
    // Per group, its width before the first step and after the last (group ids are the same in
    // every step: the topology does not change, only the widths).
    const first = result.steps[0]!.groups;
    details = {
      steps: result.steps.map(({ groups: _g, ...rest }) => rest),
      groups: result.steps.at(-1)!.groups.map((g, i) => ({
        layers: g.layers,
        before: first[i]!.before,
        after: g.after,
        ...(g.reason ? { reason: g.reason } : {}),
      })),
    };
    hooks.log?.(
      `removed ${config.amount * 100}% of the channels of each prunable group in ${config.steps} steps: ${parametersBefore} -> ${model.countParams()} parameters; accuracy before fine-tuning ${pruned}`,
    );
  } else {
    magnitude = new MagnitudePruner(model, config.scope);
    details = {};
  }
  setTrainable(model, config.freezeBn);
  const schedule = defaultSchedule(
    config.amount,
    config.epochs * Math.ceil(splits.train.length / config.batch),
  );
  // The unpruned model as it was saved: the teacher of its pruned copy.
  const teacher = config.distill ? (await loadBundle(config.model)).model : undefined;
  const unlabeled = teacher ? await openUnlabeled(config, source, splits) : undefined;

  const fineTuned = await fineTune({
    trained: model,
    classifier: model,
    preprocessing,
    source,
    splits,
    settings: config,
    train: softTargetBatches(config, source, splits, preprocessing, unlabeled),
    callbacks: [...(magnitude ? [magnitude.callback(schedule)] : []), ...(hooks.callbacks ?? [])],
    loss: (batch) => {
      const logits = model.apply(batch.x, { training: true }) as tf.Tensor2D;
      if (!teacher) return labelCrossEntropy(logits, batch.labels);
      const teacherLogits = tf.tidy(() => teacher.predict(batch.x) as tf.Tensor2D);
      return hintonLoss(logits, teacherLogits, batch.labels, config);
    },
  });
  teacher?.dispose();
  const sparsity = magnitude?.report();
  if (sparsity) details = { schedule, sparsity: sparsity.sparsity, layers: sparsity.layers };
  magnitude?.dispose();

  const parametersAfter = model.countParams();
  const nonzero = sparsity ? parametersAfter - sparsity.zeros : parametersAfter;
  const result = await finishCompressedRun({
    classifier: model,
    preprocessing,
    backbone: { name: bundle.meta.backbone.name, embeddingDim: bundle.meta.backbone.embeddingDim },
    source,
    splits,
    config: { ...config },
    fineTuned,
    compression: [
      ...(bundle.meta.compression ?? []),
      {
        kind: config.method === 'channels' ? 'prune-channels' : 'prune-magnitude',
        from: config.model,
        details: {
          amount: config.amount,
          distill: config.distill
            ? {
                temperature: config.temperature,
                alpha: config.alpha,
                unlabeled: unlabeled?.samples.length ?? 0,
              }
            : false,
          ...(config.method === 'channels'
            ? { importance: config.importance }
            : { scope: config.scope, sparsity: sparsity?.sparsity }),
          parametersBefore,
          parametersAfter,
        },
      },
    ],
    method: {
      name: `prune (${config.method})`,
      summary:
        config.method === 'channels'
          ? `${config.amount * 100}% of the channels of each prunable group removed by ${config.importance} importance: ${parametersBefore} -> ${parametersAfter} parameters`
          : `${((sparsity?.sparsity ?? 0) * 100).toFixed(1)}% of kernel weights zeroed (${config.scope} magnitude, gradual): ${nonzero} of ${parametersAfter} parameters nonzero`,
    },
    title: `prune ${config.method} ${config.amount} · ${config.model}`,
    out: config.out,
    notes: [
      `Held-out accuracy of ${config.model} before pruning: ${(original * 100).toFixed(1)}%` +
        (pruned === undefined
          ? '.'
          : `; pruned, before fine-tuning: ${(pruned * 100).toFixed(1)}%.`),
      ...(sparsity ? sparsityNotes(sparsity) : []),
    ],
  });
  await fs.mkdir(config.out, { recursive: true });
  await writeFileAtomic(
    path.join(config.out, 'pruning.json'),
    `${JSON.stringify({ method: config.method, amount: config.amount, ...details }, null, 2)}\n`,
  );
  return {
    ...result,
    config,
    parametersBefore,
    accuracy: { original, pruned, fineTuned: result.metrics.accuracy },
    sparsity: sparsity?.sparsity,
    seconds: (performance.now() - started) / 1000,
  };
}
