// What a classifier run writes, shared by `train`, `adapt` and the compression runs: the
// bundle's metadata, and the run report drawn from the backbone, the epoch log and held-out
// metrics (headline numbers, confusion matrix, per-class scores, reliability diagram with empty
// bins left out, worst examples).
import type { PretrainedConfig } from '../../backbones/index.js';
import type { NewBundleMeta } from '../../bundle/bundle.js';
import type { DataSource, Sample } from '../../data/types.js';
import type { ClassificationMetrics } from '../../metrics/index.js';
import type {
  BackboneSummary,
  DataSummary,
  LrStep,
  MethodSummary,
  RunReport,
} from '../../report/types.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { layerChoiceMeta } from '../rank/auto-layer.js';
import type { LayerChoice } from '../rank/choose-layer.js';
import { worstExamples } from './worst.js';

export const headline = (m: ClassificationMetrics) => ({
  accuracy: m.accuracy,
  balancedAccuracy: m.balancedAccuracy,
  macroF1: m.macroF1,
  ece: m.ece,
});

export function classifierBundleMeta(
  bc: PretrainedConfig,
  backbone: string,
  labels: string[],
  training: Record<string, unknown>,
  metrics?: ClassificationMetrics,
  layerChoice?: LayerChoice,
): NewBundleMeta {
  return {
    task: 'classification',
    labels,
    preprocessing: {
      inputSize: bc.inputSize,
      mean: bc.mean,
      std: bc.std,
      interpolation: bc.interpolation,
      cropPct: 0.875,
    },
    backbone: {
      name: backbone,
      embeddingDim: bc.embeddingDim,
      layer: bc.embeddingLayer,
      layerChoice: layerChoice && layerChoiceMeta(layerChoice),
    },
    training,
    metrics: metrics ? headline(metrics) : {},
  };
}

export function backboneSummary(name: string, bc: PretrainedConfig): BackboneSummary {
  return { name, source: bc.source, licence: bc.licence, inputSize: bc.inputSize };
}

/** The loop's epoch log as the report draws it. */
export function reportHistory(history: readonly EpochRecord[]): RunReport['history'] {
  return history.map((r) => ({
    epoch: r.epoch,
    trainLoss: r.loss as number,
    valLoss: r.val_loss as number | undefined,
    valAccuracy: r.val_accuracy as number | undefined,
    lr: r.lr as number,
  }));
}

export function evaluationSections(
  metrics: ClassificationMetrics,
  classes: readonly string[],
): Pick<RunReport, 'final' | 'confusion' | 'perClass' | 'reliability'> {
  return {
    final: headline(metrics),
    confusion: metrics.confusion,
    perClass: metrics.perClass.map((c, i) => ({
      label: classes[i]!,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    })),
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
}

/** Held-out images scored by a classifier: where they come from, their probabilities, metrics. */
export interface ClassifierEvaluation {
  source: DataSource;
  samples: readonly Sample[];
  probabilities: Float32Array;
  metrics: ClassificationMetrics;
}

/** A classifier run's report page; `data.classes` names the evaluated labels. */
export async function classifierReport(page: {
  title: string;
  config: Record<string, unknown>;
  data: DataSummary;
  backbone: BackboneSummary;
  method: MethodSummary;
  history: EpochRecord[];
  lrSteps?: LrStep[];
  evaluation: ClassifierEvaluation;
  evaluatedOn: string;
  notes?: string[];
}): Promise<RunReport> {
  const { evaluation: e, data } = page;
  return {
    title: page.title,
    createdAt: new Date().toISOString(),
    config: page.config,
    data,
    backbone: page.backbone,
    method: page.method,
    history: reportHistory(page.history),
    lrSteps: page.lrSteps,
    ...evaluationSections(e.metrics, data.classes),
    evaluatedOn: page.evaluatedOn,
    worst: await worstExamples(e.source, e.samples, e.probabilities, data.classes),
    notes: page.notes,
  };
}
