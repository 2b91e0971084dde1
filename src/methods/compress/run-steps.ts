// The run steps the compression runs (distill, prune) share, as `train` has them: the bundle and
// the data in its label order with the held-out images, the held-out evaluation, the bundle (its
// visiontune.json carrying the compression steps that made it) and the report page.
import type * as tf from '@tensorflow/tfjs';
import type { CompressionStep, Preprocessing } from '../../bundle/meta.js';
import { evalTransform } from '../../data/transforms/index.js';
import type { DataSource, Sample } from '../../data/types.js';
import type { BackboneSummary } from '../../report/types.js';
import type { BatchInfo, Callback } from '../../train/callbacks.js';
import type { PairedBatch } from '../../train/paired-loader.js';
import { predictProbabilities } from '../classification/probabilities.js';
import {
  type ClassifierEvaluation,
  classifierReport,
  headline,
} from '../classification/run-outputs.js';
import { heldOut } from '../classification/splits.js';
import { metricsOf } from '../classification/strategy.js';
import type { Evaluated, Opened, RunPage, Saved, Step } from '../run-template.js';
import { openBundleAndData } from './align-labels.js';
import { fineTunePlan } from './fine-tune.js';
import type { FineTuneSettings } from './fine-tune-config.js';
import { type SoftTargetSettings, softTargetBatches } from './soft-targets.js';

type CompressSettings = FineTuneSettings & Record<string, unknown>;
export type CompressData = Awaited<ReturnType<typeof openCompressionData>>;

/** What every compressed model tells the shared steps. */
export interface CompressModel {
  /** image -> logits: what is evaluated and saved. */
  classifier: tf.LayersModel;
  preprocessing: Preprocessing;
  backbone: BackboneSummary & { embeddingDim?: number };
}

/** The bundle (`field` names it in errors) and the data split as `train` splits it. */
export async function openCompressionData(dir: string, field: string, settings: FineTuneSettings) {
  const { bundle, source, splits: samples } = await openBundleAndData(dir, field, settings);
  return { bundle, source, samples, ...heldOut(source, samples) };
}

/**
 * How a compressed classifier trains (fine-tune.ts) on the labelled training images, each batch
 * followed by a batch of unlabelled ones when there are any.
 */
function fitPlan(
  {
    config,
    data,
    model,
  }: Opened<CompressSettings & SoftTargetSettings, CompressData> & { model: CompressModel },
  plan: {
    /** The weights that train (default: the classifier). */
    trained?: tf.LayersModel;
    unlabeled?: { source: DataSource; samples: Sample[] };
    loss: (batch: PairedBatch, info: BatchInfo) => tf.Scalar;
    callbacks?: Callback[];
    release?: () => void;
  },
) {
  const { source, samples } = data;
  return fineTunePlan({
    ...plan,
    trained: plan.trained ?? model.classifier,
    classifier: model.classifier,
    preprocessing: model.preprocessing,
    source,
    splits: samples,
    settings: config,
    train: softTargetBatches(config, source, samples, model.preprocessing, plan.unlabeled),
  });
}

/** The held-out images through the classifier. */
async function evaluate({
  config,
  data,
  model,
}: Opened<CompressSettings, CompressData> & {
  model: CompressModel;
}): Promise<ClassifierEvaluation> {
  const { source, evalSamples: samples } = data;
  const { probabilities } = await predictProbabilities(
    model.classifier,
    source,
    samples,
    evalTransform(model.preprocessing),
    config.batch,
  );
  return {
    source,
    samples,
    probabilities,
    metrics: metricsOf(probabilities, samples, source.classes.length),
  };
}

/** The classifier as a bundle; `compression`: the parent's steps, then this run's. */
function bundle(
  {
    config,
    data,
    model,
    evaluation,
  }: Evaluated<CompressSettings, CompressData, CompressModel, ClassifierEvaluation>,
  compression: CompressionStep[],
) {
  return {
    model: model.classifier,
    meta: {
      task: 'classification' as const,
      labels: data.source.classes,
      preprocessing: model.preprocessing,
      backbone: { name: model.backbone.name, embeddingDim: model.backbone.embeddingDim },
      training: { ...config },
      metrics: headline(evaluation.metrics),
      compression,
    },
  };
}

async function report(
  {
    config,
    data,
    model,
    fitted,
    evaluation,
  }: Saved<CompressSettings, CompressData, CompressModel, ClassifierEvaluation>,
  page: { title: string; method: { name: string; summary: string }; notes: string[] },
): Promise<RunPage> {
  const { embeddingDim: _dim, ...backbone } = model.backbone;
  return {
    report: await classifierReport({
      ...page,
      config: { ...config },
      data: { name: data.source.name, classes: data.source.classes, ...data.splits },
      backbone,
      history: fitted.result.history,
      lrSteps: fitted.lrSteps,
      evaluation,
      evaluatedOn: data.evaluatedOn,
    }),
  };
}

/** The result fields every compression run has. */
const result = ({ data, model }: Step<unknown> & { data: CompressData; model: CompressModel }) => ({
  /** Class names in the model's output order. */
  labels: data.source.classes,
  parameters: model.classifier.countParams(),
});

/** The steps every compression run shares (a task adds its own details). */
export const compressedSteps = { fitPlan, evaluate, bundle, report, result };
