// What a compression run writes, as `train` does: the held-out evaluation, the bundle (its
// visiontune.json carrying the compression steps that made it), report.html and the model card.
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { saveBundle } from '../../bundle/bundle.js';
import type { CompressionStep, Preprocessing } from '../../bundle/meta.js';
import type { DataSource } from '../../data/types.js';
import { badInput } from '../../errors.js';
import type { ClassificationMetrics } from '../../metrics/index.js';
import { modelCardFromReport } from '../../report/model-card.js';
import type { BackboneSummary, RunReport } from '../../report/types.js';
import { writeModelCard, writeReport } from '../../report/write.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { evaluationSections, reportHistory } from '../classification/run-outputs.js';
import type { RunSplits } from '../classification/splits.js';
import { metricsOf } from '../classification/strategy.js';
import { worstExamples } from '../classification/worst.js';
import type { FineTuned } from './fine-tune.js';

export interface CompressedRun {
  classifier: tf.LayersModel;
  preprocessing: Preprocessing;
  backbone: BackboneSummary & { embeddingDim?: number };
  source: DataSource;
  splits: RunSplits;
  config: Record<string, unknown>;
  fineTuned: FineTuned;
  /** The steps recorded in the bundle: the parent's, then this run's. */
  compression: CompressionStep[];
  method: { name: string; summary: string };
  title: string;
  out: string;
  notes?: string[];
}

export interface CompressedResult {
  /** Class names in the model's output order. */
  labels: string[];
  bundleDir: string;
  reportFile: string;
  evaluatedOn: 'test' | 'val';
  metrics: ClassificationMetrics;
  history: EpochRecord[];
  parameters: number;
}

export async function finishCompressedRun(run: CompressedRun): Promise<CompressedResult> {
  const { source, splits } = run;
  const evaluatedOn = splits.test.length > 0 ? 'test' : 'val';
  const samples = evaluatedOn === 'test' ? splits.test : splits.val;
  if (samples.length === 0) {
    throw badInput(
      `${source.name}: no held-out images to evaluate on (add a test split or use --val > 0)`,
    );
  }
  const probabilities = await run.fineTuned.evaluate(samples);
  const metrics = metricsOf(probabilities, samples, source.classes.length);
  const bundleDir = path.join(run.out, 'bundle');
  await saveBundle(bundleDir, run.classifier, {
    task: 'classification',
    labels: source.classes,
    preprocessing: run.preprocessing,
    backbone: { name: run.backbone.name, embeddingDim: run.backbone.embeddingDim },
    training: run.config,
    metrics: {
      accuracy: metrics.accuracy,
      balancedAccuracy: metrics.balancedAccuracy,
      macroF1: metrics.macroF1,
      ece: metrics.ece,
    },
    compression: run.compression,
  });
  const history = run.fineTuned.fitResult.history;
  const { embeddingDim: _dim, ...backbone } = run.backbone;
  const report: RunReport = {
    title: run.title,
    createdAt: new Date().toISOString(),
    config: run.config,
    data: {
      name: source.name,
      classes: source.classes,
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
    backbone,
    method: run.method,
    history: reportHistory(history),
    lrSteps: run.fineTuned.lrSteps,
    ...evaluationSections(metrics, source.classes),
    evaluatedOn,
    worst: await worstExamples(source, samples, probabilities, source.classes),
    notes: run.notes,
  };
  const reportFile = await writeReport(run.out, report);
  await writeModelCard(bundleDir, modelCardFromReport(report, { bundleDir }));
  return {
    labels: source.classes,
    bundleDir,
    reportFile,
    evaluatedOn,
    metrics,
    history,
    parameters: run.classifier.countParams(),
  };
}
