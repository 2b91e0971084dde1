// `train(config)`: one classification transfer run end to end — data splits, the chosen
// strategy (linear probe on cached embeddings, fine-tuning, lp-ft, or the same net from scratch),
// evaluation on held-out images, and the outputs: bundle (+ model card), metrics.jsonl,
// checkpoints and report.html in config.out.
import { AUTO_IMAGE_SIZE } from '../../config/run-fields.js';
import { openSource } from '../../data/sources/open.js';
import type { ClassificationMetrics } from '../../metrics/index.js';
import type { TrainBatch } from '../../train/loop.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { peftBundleSave } from '../peft/config.js';
import { describeChoice } from '../rank/choose-layer.js';
import { jsonFile, type RunResult, type RunTask, runTask, type Step } from '../run-template.js';
import { resolveTrainConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import { EVALUATION_FILE, evaluationFile } from './evaluation-file.js';
import { prepareLinear } from './linear-strategy.js';
import { prepareLpFt } from './lp-ft-strategy.js';
import { prepareNetwork } from './network-strategy.js';
import { describeSolve } from './probe-solve.js';
import {
  backboneSummary,
  type ClassifierEvaluation,
  classifierBundleMeta,
  classifierReport,
} from './run-outputs.js';
import { chooseSplits, heldOut, requireTwoClasses } from './splits.js';
import { metricsOf, type Prepared, type TrainHooks } from './strategy.js';

export type { TrainHooks };

type ClassificationData = Awaited<ReturnType<typeof openData>>;

export interface TrainResult
  extends RunResult<TrainConfig, ClassificationData, ClassificationMetrics> {
  /** Class names, in label-index order. */
  labels: string[];
}

/** The data, its splits, and the held-out images the final metrics are measured on. */
async function openData({ config, log }: Step<TrainConfig>) {
  const source = await openSource(config.data, { skipBad: config.skipBad });
  const samples = chooseSplits(source, config);
  requireTwoClasses(source, samples.train);
  const held = heldOut(source, samples);
  const { splits } = held;
  log(
    `data: ${source.name}, ${source.classes.length} classes; ${splits.train} train / ${splits.val} val / ${splits.test} test`,
  );
  return { source, samples, ...held };
}

const classificationTask: RunTask<
  TrainConfig,
  ClassificationData,
  Prepared,
  TrainBatch,
  ClassifierEvaluation,
  Pick<TrainResult, 'labels'>
> = {
  resolve: resolveTrainConfig,
  openData,
  buildModel: ({ config, data, log }) => {
    const prepare =
      config.strategy === 'linear'
        ? prepareLinear
        : config.strategy === 'lp-ft'
          ? prepareLpFt
          : prepareNetwork;
    return prepare(config, data.source, data.samples, log);
  },
  fitPlan: ({ model }) => model.plan,
  evaluate: async ({ data, model }) => {
    const { source, evalSamples: samples } = data;
    const probabilities = await model.evaluate(samples);
    const metrics = metricsOf(probabilities, samples, source.classes.length);
    return { source, samples, probabilities, metrics };
  },
  bundle: ({ config, data, model, evaluation }) => ({
    ...peftBundleSave(config, model.backboneConfig.inputSize),
    model: model.classifier,
    meta: classifierBundleMeta(
      model.backboneConfig,
      config.backbone,
      data.source.classes,
      {
        ...config,
        layer: model.backboneConfig.embeddingLayer,
        // 'auto' recorded as the size it chose.
        ...(config.imageSize === AUTO_IMAGE_SIZE
          ? { imageSize: model.backboneConfig.inputSize }
          : {}),
        // The method and the weights that trained (what a delta bundle stores).
        ...(model.peft ? { peft: model.peft } : {}),
      },
      evaluation.metrics,
      model.layerChoice,
    ),
  }),
  files: ({ data, evaluation }) => ({
    [EVALUATION_FILE]: jsonFile(evaluationFile(evaluation, data.source.classes, data.evaluatedOn)),
  }),
  report: async ({ config, data, model, fitted, evaluation }) => ({
    report: await classifierReport({
      title: `${methodName(config)} · ${config.backbone} · ${data.source.name}`,
      config: { ...config },
      data: { name: data.source.name, classes: data.source.classes, ...data.splits },
      backbone: backboneSummary(config.backbone, model.backboneConfig),
      method: { name: methodName(config) },
      notes: reportNotes(model, fitted.result.history),
      history: fitted.result.history,
      lrSteps: model.lrPerStep ? fitted.lrSteps : undefined,
      evaluation,
      evaluatedOn: data.evaluatedOn,
    }),
  }),
  result: ({ data }) => ({ labels: data.source.classes }),
};

/** The strategy, and the PEFT method when one trained ('finetune + lora'). */
const methodName = (config: TrainConfig) =>
  config.peft === 'none' ? config.strategy : `${config.strategy} + ${config.peft}`;

/** How the layer was chosen and how the head was fitted, where the report should say so. */
function reportNotes(prepared: Prepared, history: readonly EpochRecord[]): string[] | undefined {
  const { layerChoice } = prepared;
  const notes = [
    layerChoice && describeChoice(layerChoice),
    describeSolve(history),
    ...(prepared.notes ?? []),
  ].filter((n): n is string => n !== undefined);
  return notes.length > 0 ? notes : undefined;
}

/**
 * Trains, evaluates and saves a classifier. The configuration is validated first (defaults
 * filled in; an unknown or invalid field is a VisiontuneError naming it).
 */
export async function train(input: TrainConfigInput, hooks: TrainHooks = {}): Promise<TrainResult> {
  return runTask(classificationTask, input, hooks);
}
