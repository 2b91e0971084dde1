// Vega-lite specs for the detection report: the per-epoch losses and any other logged values,
// AP and AP50 per class, and the PR curve of every class at IoU 0.5. Same conventions as
// charts.ts: data inline, a `description` that becomes the SVG's aria-label, null when there is
// nothing to draw. Categories are named by index into the data set's `categories`.
import type { TopLevelSpec } from 'vega-lite';
import type { DetectionMetrics } from '../metrics/detection/coco-eval.js';
import { RECALL_THRESHOLDS } from '../metrics/detection/coco-eval.js';
import type { EpochRecord } from '../train/metrics-log.js';
import { baseSpec, CURVE_HEIGHT, CURVE_WIDTH, EPOCH_X, finite } from './charts.js';

/** Keys of a metrics-log record that are bookkeeping, not values to plot. */
const NOT_PLOTTED = new Set(['epoch']);
const isLoss = (key: string) => /loss/i.test(key);

/**
 * One display name per category id: the data set's name, `category 7` past its end, and the
 * id appended where two categories share a name (chart series are keyed by name).
 */
export function categoryNames(categories: readonly string[], ids: readonly number[]) {
  const raw = (id: number) => categories[id] ?? `category ${id}`;
  const count = new Map<string, number>();
  for (const id of new Set(ids)) count.set(raw(id), (count.get(raw(id)) ?? 0) + 1);
  return (id: number): string => ((count.get(raw(id)) ?? 0) > 1 ? `${raw(id)} (#${id})` : raw(id));
}

/** Every finite numeric key of the history other than `epoch`, in first-seen order. */
export function epochKeys(history: readonly EpochRecord[]): string[] {
  const keys = new Set<string>();
  for (const r of history) {
    for (const [k, v] of Object.entries(r)) {
      if (!NOT_PLOTTED.has(k) && typeof v === 'number' && Number.isFinite(v)) keys.add(k);
    }
  }
  return [...keys];
}

function seriesPoints(history: readonly EpochRecord[], keys: readonly string[]) {
  const points: { epoch: number; series: string; value: number }[] = [];
  for (const r of history) {
    if (!finite(r.epoch)) continue;
    for (const k of keys) {
      const v = r[k];
      if (typeof v === 'number' && Number.isFinite(v)) {
        points.push({ epoch: r.epoch, series: k, value: v });
      }
    }
  }
  return points;
}

/**
 * Every loss the log holds (`loss`, `loss_cls`, `loss_box`, `val_loss`…) on one chart: they
 * share a scale and are read against each other. Null when none was logged.
 */
export function detectionLossSpec(history: readonly EpochRecord[]): TopLevelSpec | null {
  const keys = epochKeys(history).filter(isLoss);
  const points = seriesPoints(history, keys);
  if (points.length === 0) return null;
  return {
    ...baseSpec,
    title: 'Loss',
    description: `Loss curves: ${keys.join(', ')} per epoch`,
    width: CURVE_WIDTH + 60,
    height: CURVE_HEIGHT,
    data: { values: points },
    mark: { type: 'line', point: points.length <= 400, strokeWidth: 2 },
    encoding: {
      x: EPOCH_X,
      y: { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: keys,
        legend: { orient: 'top', direction: 'horizontal', columns: 3 },
      },
    },
  } as TopLevelSpec;
}

/**
 * Every other per-epoch value (val_ap50, lr, seconds…) as small multiples, one panel per key
 * with its own y scale: an AP in [0, 1] and a learning rate of 1e-4 share no axis.
 */
export function epochMetricsSpec(history: readonly EpochRecord[]): TopLevelSpec | null {
  const keys = epochKeys(history).filter((k) => !isLoss(k));
  const points = seriesPoints(history, keys);
  if (points.length === 0) return null;
  return {
    ...baseSpec,
    title: 'Other per-epoch values',
    description: `Per-epoch curves: ${keys.join(', ')}`,
    data: { values: points },
    facet: { field: 'series', type: 'nominal', title: null, sort: keys },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 140,
      mark: { type: 'line', point: points.length <= 300, strokeWidth: 2, color: '#4c78a8' },
      encoding: {
        x: EPOCH_X,
        y: {
          field: 'value',
          type: 'quantitative',
          title: null,
          scale: { zero: false },
          axis: { format: '~g' },
        },
      },
    },
  } as TopLevelSpec;
}

/**
 * AP (IoU .50:.95) and AP50 per class as grouped horizontal bars, in category order.
 * Categories without ground truth (-1) are left out. Null when none has any.
 */
export function apPerClassSpec(
  perCategory: DetectionMetrics['perCategory'],
  categories: readonly string[],
): TopLevelSpec | null {
  const kept = perCategory.filter((c) => finite(c.ap) && c.ap >= 0);
  if (kept.length === 0) return null;
  const name = categoryNames(
    categories,
    kept.map((c) => c.categoryId),
  );
  const rows = kept.flatMap((c) => [
    { name: name(c.categoryId), metric: 'AP', value: c.ap },
    ...(finite(c.ap50) && c.ap50 >= 0
      ? [{ name: name(c.categoryId), metric: 'AP50', value: c.ap50 }]
      : []),
  ]);
  const n = kept.length;
  const step = n <= 30 ? 11 : n <= 60 ? 7 : 5;
  return {
    ...baseSpec,
    title: { text: 'AP per class', subtitle: 'AP at IoU .50:.95 and at IoU .50' },
    description: `AP per class bar chart: AP and AP50 for ${n} classes`,
    width: CURVE_WIDTH + 60,
    height: { step },
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'name',
        type: 'nominal',
        title: null,
        sort: kept.map((c) => name(c.categoryId)),
        axis: { labelLimit: 160, labelFontSize: n <= 60 ? 11 : 8 },
      },
      yOffset: { field: 'metric', type: 'nominal', sort: ['AP', 'AP50'] },
      x: {
        field: 'value',
        type: 'quantitative',
        title: null,
        scale: { domain: [0, 1] },
        axis: { format: '.0%' },
      },
      color: {
        field: 'metric',
        type: 'nominal',
        title: null,
        scale: { domain: ['AP', 'AP50'], range: ['#4c78a8', '#9ecae9'] },
        legend: { orient: 'top', direction: 'horizontal' },
      },
    },
  } as TopLevelSpec;
}

/**
 * Interpolated precision against recall at IoU 0.5, one line per class over COCO's 101 recall
 * points. Categories without ground truth (-1) are left out. Null when none has a curve.
 */
export function prCurvesSpec(
  curves: DetectionMetrics['prCurves50'],
  categories: readonly string[],
): TopLevelSpec | null {
  const kept = curves.filter((c) => c.precision.length > 0 && c.precision.every((p) => p >= 0));
  if (kept.length === 0) return null;
  const name = categoryNames(
    categories,
    kept.map((c) => c.categoryId),
  );
  const points = kept.flatMap((c) =>
    c.precision
      .map((precision, i) => ({
        name: name(c.categoryId),
        recall: RECALL_THRESHOLDS[i] ?? i / (c.precision.length - 1),
        precision,
      }))
      .filter((p) => finite(p.precision) && finite(p.recall)),
  );
  const n = kept.length;
  return {
    ...baseSpec,
    title: { text: 'Precision–recall at IoU 0.5', subtitle: 'interpolated, one line per class' },
    description: `PR curves at IoU 0.5: precision against recall for ${n} classes`,
    width: 340,
    height: 260,
    data: { values: points },
    mark: { type: 'line', strokeWidth: n <= 10 ? 2 : 1.2 },
    encoding: {
      x: { field: 'recall', type: 'quantitative', title: 'recall', scale: { domain: [0, 1] } },
      y: {
        field: 'precision',
        type: 'quantitative',
        title: 'precision',
        scale: { domain: [0, 1] },
      },
      color: {
        field: 'name',
        type: 'nominal',
        title: null,
        sort: kept.map((c) => name(c.categoryId)),
        scale: { scheme: n <= 10 ? 'tableau10' : 'category20' },
        legend: { labelLimit: 140, symbolLimit: 40, columns: n > 20 ? 2 : 1 },
      },
    },
  } as TopLevelSpec;
}
