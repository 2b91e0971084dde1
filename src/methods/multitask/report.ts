// The multi-task run's report: one page with every task's headline metric as a tile, the
// per-epoch losses (the objective and each task's `loss_<task>`) and the other per-epoch values
// (each task's weight `weight_<task>`, the validation metrics, lr), then one section per task with
// the chart its kind is read by (confusion matrix, AP per class, IoU per class). Also the headline
// numbers the bundle records, `<task>_<metric>`.
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { classBarsSpec, confusionSpec } from '../../report/charts.js';
import {
  apPerClassSpec,
  detectionLossSpec,
  epochMetricsSpec,
} from '../../report/detection-charts.js';
import { escapeHtml } from '../../report/html-text.js';
import type { RenderReportOptions } from '../../report/page.js';
import { chartFigures } from '../../report/page.js';
import { chartRow } from '../../report/page-blocks.js';
import { iouPerClassSpec } from '../../report/segmentation-charts.js';
import { type HeadlineRow, renderTaskPage } from '../../report/task-page.js';
import { fileWriter } from '../../report/write.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import type { TaskEvaluation } from './evaluate.js';

/** Each kind's headline metrics: the record key's suffix, the name people read, what it is. */
const HEADLINE: Record<
  TaskEvaluation['kind'],
  { key: string; name: string; what: string; of: (e: TaskEvaluation) => number | null }[]
> = {
  classification: [
    {
      key: 'accuracy',
      name: 'accuracy',
      what: 'top-1 accuracy',
      of: (e) => (e.kind === 'classification' ? e.metrics.accuracy : null),
    },
  ],
  multilabel: [
    {
      key: 'mAP',
      name: 'mAP',
      what: 'mean over classes of average precision',
      of: (e) => (e.kind === 'multilabel' ? e.metrics.mAP : null),
    },
    {
      key: 'microF1',
      name: 'micro F1',
      what: 'F1 over every (image, class) decision at the threshold',
      of: (e) => (e.kind === 'multilabel' ? e.metrics.microF1 : null),
    },
  ],
  detection: [
    {
      key: 'ap',
      name: 'AP',
      what: 'COCO AP, IoU .50:.95',
      of: (e) => (e.kind === 'detection' ? e.metrics.ap : null),
    },
    {
      key: 'ap50',
      name: 'AP50',
      what: 'COCO AP at IoU .50',
      of: (e) => (e.kind === 'detection' ? e.metrics.ap50 : null),
    },
  ],
  segmentation: [
    {
      key: 'meanIoU',
      name: 'mIoU',
      what: 'mean IoU over classes, at the input resolution',
      of: (e) => (e.kind === 'segmentation' ? e.metrics.meanIoU : null),
    },
  ],
};

/** The first headline metric of each kind: what validation logs and model selection reads. */
export function mainMetricKey(kind: TaskEvaluation['kind']): string {
  return HEADLINE[kind][0]!.key;
}

/** A task's headline metrics that are numbers, by metric key. */
export function taskHeadline(e: TaskEvaluation): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of HEADLINE[e.kind]) {
    const v = h.of(e);
    if (typeof v === 'number' && Number.isFinite(v)) out[h.key] = v;
  }
  return out;
}

/** `<task>_<metric>` for every task's headline metrics. */
export function headlineMetrics(tasks: Record<string, TaskEvaluation>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(tasks).flatMap(([task, e]) =>
      Object.entries(taskHeadline(e)).map(([key, v]) => [`${task}_${key}`, v]),
    ),
  );
}

export interface MultiTaskReport {
  title: string;
  history: readonly EpochRecord[];
  /** Task name → its labels (classes or categories) and evaluation, in task order. */
  tasks: { name: string; labels: readonly string[]; evaluation: TaskEvaluation }[];
  evaluatedOn: string;
  summary: readonly [string, string][];
  config?: Record<string, unknown>;
  notes?: readonly string[];
}

function taskChart(labels: readonly string[], e: TaskEvaluation): TopLevelSpec | null {
  switch (e.kind) {
    case 'classification':
      return e.metrics.count > 0 ? confusionSpec(e.metrics.confusion, labels) : null;
    case 'multilabel': {
      const rows = e.metrics.perClass
        .map((c, i) => ({ c, name: labels[i] ?? `class ${i}` }))
        .filter(({ c }) => c.averagePrecision !== null)
        .map(({ c, name }) => ({
          name,
          ap: c.averagePrecision!,
          text: `${c.averagePrecision!.toFixed(2)} (n=${c.support})`,
        }));
      return rows.length === 0
        ? null
        : classBarsSpec({
            rows,
            nameField: 'name',
            valueField: 'ap',
            valueTitle: 'average precision',
            title: { text: 'Average precision per class', subtitle: 'classes with positives' },
            description: 'Average precision per class',
            steps: [16, 10, 6],
          });
    }
    case 'detection':
      return apPerClassSpec(e.metrics.perCategory, labels);
    case 'segmentation':
      return iouPerClassSpec(labels, e.metrics.perClassIoU);
  }
}

const percent = (v: number | null) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? (v * 100).toFixed(1) : 'n/a';

export async function renderMultiTaskReport(
  r: MultiTaskReport,
  options: RenderReportOptions = {},
): Promise<string> {
  const rows: HeadlineRow[] = r.tasks.flatMap(({ name, evaluation }) =>
    HEADLINE[evaluation.kind].map((h) => ({
      key: `${name}_${h.key}`,
      name: `${name}: ${h.name}`,
      value: percent(h.of(evaluation)),
      what: `${h.what} (${evaluation.images} images)`,
    })),
  );
  const keys = r.tasks.map((t) => `task-${t.name}`);
  const { figure } = chartFigures(keys);
  const sections = await Promise.all(
    r.tasks.map(async (t, i) => ({
      id: keys[i]!,
      heading: `Task ${escapeHtml(t.name)} (${t.evaluation.kind})`,
      parts: [
        chartRow(
          await figure(
            keys[i]!,
            taskChart(t.labels, t.evaluation),
            'Nothing to draw for this task.',
          ),
        ),
      ],
    })),
  );
  return renderTaskPage({
    title: r.title,
    css: '',
    summary: r.summary,
    headline: {
      rows,
      tiles: r.tasks.map(({ name, evaluation }) => `${name}_${mainMetricKey(evaluation.kind)}`),
      heading: `Metrics (${escapeHtml(r.evaluatedOn)})`,
      whatHeading: 'what it measures',
      footnote:
        'Each task is scored on the images it labels, from one forward pass of the network.',
    },
    training: { losses: detectionLossSpec(r.history), values: epochMetricsSpec(r.history) },
    sections,
    samples: { images: [], alt: (name) => name },
    notes: r.notes,
    config: r.config,
    generator: options.generator,
  });
}

const writePage = fileWriter(renderMultiTaskReport);

export function writeMultiTaskReport(out: string, report: MultiTaskReport): Promise<string> {
  return writePage(path.join(out, 'report.html'), report);
}
