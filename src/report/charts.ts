// Vega-lite spec builders for the run report: one function per chart, each taking plain report
// data and returning a spec (or null when there is nothing to draw). Specs carry their data
// inline, so rendering never loads anything. Every chart gets a title and a `description`,
// which vega writes as the SVG's aria-label; the report and its tests identify charts by it.
import type { TopLevelSpec } from 'vega-lite';
import type { ClassMetrics, EpochRecord, LrStep, ReliabilityBin } from './types.js';

/** The page's font stack, so chart text matches the HTML around it. No web fonts: offline. */
export const CHART_FONT =
  'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

const SPLIT_COLORS = { domain: ['train', 'val'], range: ['#1f77b4', '#ff7f0e'] };
export const CURVE_WIDTH = 280;
export const CURVE_HEIGHT = 220;
/** A step-LR log of 100k steps would make a multi-megabyte SVG; this many points is plenty. */
const MAX_LR_POINTS = 1500;

/** What every chart shares: schema, white background, the page font, title and axis sizes. */
export const baseSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  background: 'white',
  config: {
    font: CHART_FONT,
    title: { fontSize: 14, anchor: 'start' as const, subtitleColor: '#555' },
    axis: { labelFontSize: 11, titleFontSize: 12 },
  },
};

/** The x axis of every per-epoch curve: whole epochs only. */
export const EPOCH_X = {
  field: 'epoch',
  type: 'quantitative' as const,
  title: 'epoch',
  axis: { tickMinStep: 1 },
};

/** A per-epoch curve: a line with a point on each epoch. */
export const EPOCH_LINE = { type: 'line' as const, point: true, strokeWidth: 2 };

/** The y axis of a curve's `value` field: a fixed domain or one fitted to the data (no zero). */
export function valueY(title: string, y: { domain?: [number, number]; format?: string }) {
  return {
    field: 'value',
    type: 'quantitative' as const,
    title,
    scale: y.domain ? { domain: y.domain } : { zero: false },
    axis: y.format ? { format: y.format } : {},
  };
}

export const finite = (v: number | undefined): v is number =>
  typeof v === 'number' && Number.isFinite(v);

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

interface SplitPoint {
  epoch: number;
  split: 'train' | 'val';
  value: number;
}

function splitPoints(
  history: readonly EpochRecord[],
  train: (r: EpochRecord) => number | undefined,
  val: (r: EpochRecord) => number | undefined,
): SplitPoint[] {
  const points: SplitPoint[] = [];
  for (const r of history) {
    const t = train(r);
    const v = val(r);
    if (finite(t)) points.push({ epoch: r.epoch, split: 'train', value: t });
    if (finite(v)) points.push({ epoch: r.epoch, split: 'val', value: v });
  }
  return points;
}

function curveSpec(
  points: SplitPoint[],
  title: string,
  description: string,
  yTitle: string,
  y: { domain?: [number, number]; format?: string },
): TopLevelSpec {
  return {
    ...baseSpec,
    title,
    description,
    width: CURVE_WIDTH,
    height: CURVE_HEIGHT,
    data: { values: points },
    mark: EPOCH_LINE,
    encoding: {
      x: EPOCH_X,
      y: valueY(yTitle, y),
      // Legend on top keeps each curve narrow enough for three to share a row.
      color: {
        field: 'split',
        type: 'nominal',
        title: null,
        scale: SPLIT_COLORS,
        legend: { orient: 'top', direction: 'horizontal' },
      },
    },
  };
}

/** Train and validation loss per epoch. Null when no finite loss was recorded. */
export function lossCurveSpec(history: readonly EpochRecord[]): TopLevelSpec | null {
  const points = splitPoints(
    history,
    (r) => r.trainLoss,
    (r) => r.valLoss,
  );
  if (points.length === 0) return null;
  return curveSpec(points, 'Loss', 'Loss curves: train and validation loss per epoch', 'loss', {});
}

/** Train and validation accuracy per epoch. Null when neither was recorded. */
export function accuracyCurveSpec(history: readonly EpochRecord[]): TopLevelSpec | null {
  const points = splitPoints(
    history,
    (r) => r.trainAccuracy,
    (r) => r.valAccuracy,
  );
  if (points.length === 0) return null;
  return curveSpec(
    points,
    'Accuracy',
    'Accuracy curves: train and validation accuracy per epoch',
    'accuracy',
    { domain: [0, 1], format: '.0%' },
  );
}

/**
 * Keeps every `stride`-th point, the last one, and both sides of every jump larger than 5% of
 * the range, so step schedules keep their sharp drops after thinning.
 */
export function thinLrSteps(steps: readonly LrStep[], max = MAX_LR_POINTS): LrStep[] {
  if (steps.length <= max) return [...steps];
  const lrs = steps.map((s) => s.lr);
  const range = Math.max(...lrs) - Math.min(...lrs);
  const stride = Math.ceil(steps.length / max);
  const keep = new Set<number>([0, steps.length - 1]);
  for (let i = 1; i < steps.length; i++) {
    if (i % stride === 0) keep.add(i);
    if (Math.abs(lrs[i] - lrs[i - 1]) > 0.05 * range) {
      keep.add(i - 1);
      keep.add(i);
    }
  }
  return [...keep].sort((a, b) => a - b).map((i) => steps[i]);
}

/**
 * Learning rate per optimizer step when `steps` is given, else per epoch from the history.
 * Uses a log axis when the rate spans more than 20x (warmup from ~0, decay by decades).
 */
export function lrCurveSpec(
  history: readonly EpochRecord[],
  steps?: readonly LrStep[],
): TopLevelSpec | null {
  const perStep = (steps ?? []).filter((s) => finite(s.step) && finite(s.lr));
  const points =
    perStep.length > 0
      ? thinLrSteps(perStep).map((s) => ({ x: s.step, lr: s.lr }))
      : history.filter((r) => finite(r.lr)).map((r) => ({ x: r.epoch, lr: r.lr as number }));
  if (points.length === 0) return null;
  // Log only when the rate lives in several decades for much of the run (step decay by 10x,
  // exponential decay); a cosine that ends at ~0 or a short warmup from ~0 reads better linear.
  const lrs = points.map((p) => p.lr).sort((a, b) => a - b);
  const median = lrs[Math.floor(lrs.length / 2)];
  const log = lrs[0] > 0 && median / lrs[lrs.length - 1] <= 0.1;
  const xTitle = perStep.length > 0 ? 'step' : 'epoch';
  return {
    ...baseSpec,
    title: 'Learning rate',
    description: `Learning-rate curve: learning rate per ${xTitle}`,
    width: CURVE_WIDTH,
    height: CURVE_HEIGHT,
    data: { values: points },
    mark: { type: 'line', point: points.length <= 60, strokeWidth: 2, color: '#2ca02c' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1 } },
      y: {
        field: 'lr',
        type: 'quantitative',
        title: 'learning rate',
        scale: log ? { type: 'log' } : { zero: true },
        axis: log
          ? { format: '.0e', tickCount: 5 }
          : { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '.1~e')" },
      },
    },
  };
}

/** Size of one heatmap cell in px for `n` classes: big enough to read for 2, fits 100. */
export function confusionCellSize(n: number): number {
  return clamp(Math.floor(560 / Math.max(n, 1)), 5, 44);
}

/**
 * Confusion-matrix heatmap, rows = true class, columns = predicted. Colour is the share of the
 * row (so recall is on the diagonal and big classes don't wash out small ones); the text is
 * the raw count. Up to 15 classes every cell is labelled, up to 40 only non-zero cells, above
 * that the cells are too small for text and the report shows the counts in a table instead.
 */
export function confusionSpec(
  matrix: readonly (readonly number[])[],
  classes: readonly string[],
  split = 'test',
): TopLevelSpec {
  const n = classes.length;
  const cell = confusionCellSize(n);
  const cells: { t: string; p: string; count: number; share: number }[] = [];
  for (let i = 0; i < n; i++) {
    const row = matrix[i] ?? [];
    const total = row.reduce((a, b) => a + (finite(b) ? b : 0), 0);
    for (let j = 0; j < n; j++) {
      const count = finite(row[j]) ? row[j] : 0;
      cells.push({ t: classes[i], p: classes[j], count, share: total > 0 ? count / total : 0 });
    }
  }
  const showText = n <= 40;
  const textFilter = n <= 15 ? 'true' : 'datum.count > 0';
  const labelSize = clamp(Math.round(cell * 0.7), 6, 11);
  const longest = Math.max(0, ...classes.map((c) => c.length));
  const axis = { labelFontSize: labelSize, labelLimit: 140, labelOverlap: n > 60, ticks: false };
  const order = [...classes];
  return {
    ...baseSpec,
    title: {
      text: `Confusion matrix (${split})`,
      subtitle: showText
        ? 'counts; colour = share of the true class'
        : 'colour = share of the true class',
    },
    description: `Confusion matrix heatmap on the ${split} split: true class by predicted class, ${n} classes`,
    width: cell * n,
    height: cell * n,
    data: { values: cells },
    encoding: {
      x: {
        field: 'p',
        type: 'nominal',
        sort: order,
        title: 'predicted',
        axis: { ...axis, labelLimit: 100, labelAngle: n > 4 || longest > 10 ? -45 : 0 },
      },
      y: { field: 't', type: 'nominal', sort: order, title: 'true', axis },
    },
    layer: [
      {
        // Per-cell aria labels triple the SVG's size; past 15 classes the table serves instead.
        mark: { type: 'rect', stroke: n <= 40 ? 'white' : null, strokeWidth: 0.5, aria: n <= 15 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: {
              title: 'share of row',
              format: '.0%',
              gradientLength: Math.min(200, cell * n),
            },
          },
        },
      },
      ...(showText
        ? [
            {
              transform: [{ filter: textFilter }],
              mark: {
                type: 'text' as const,
                fontSize: clamp(Math.round(cell * 0.38), 6, 13),
                aria: n <= 15,
              },
              encoding: {
                text: { field: 'count', type: 'quantitative' as const, format: 'd' },
                color: {
                  condition: { test: 'datum.share > 0.5', value: 'white' },
                  value: n <= 15 ? '#222' : '#333',
                },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/**
 * Horizontal [0, 1] bars, one per class, in the caller's row order (worst first; sorted by the
 * caller, not by a vega sort-by-field the text layer would inherit as a second, conflicting
 * sort), each row's `text` written on its bar when there are at most 60 rows. `steps`: the bar
 * height for ≤ 30, ≤ 60 and more rows.
 */
export function classBarsSpec(o: {
  rows: readonly Record<string, unknown>[];
  nameField: string;
  valueField: string;
  valueTitle: string;
  title: { text: string; subtitle: string };
  description: string;
  steps: [number, number, number];
}): TopLevelSpec {
  const n = o.rows.length;
  return {
    ...baseSpec,
    title: o.title,
    description: o.description,
    width: CURVE_WIDTH,
    height: { step: n <= 30 ? o.steps[0] : n <= 60 ? o.steps[1] : o.steps[2] },
    data: { values: o.rows },
    encoding: {
      y: {
        field: o.nameField,
        type: 'nominal',
        title: null,
        sort: o.rows.map((r) => r[o.nameField] as string),
        axis: { labelLimit: 160, labelFontSize: n <= 60 ? 11 : 8 },
      },
      x: {
        field: o.valueField,
        type: 'quantitative',
        title: o.valueTitle,
        scale: { domain: [0, 1] },
        axis: { format: '.1f' },
      },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      ...(n <= 60
        ? [
            {
              mark: {
                type: 'text' as const,
                align: 'left' as const,
                dx: 3,
                fontSize: n <= 30 ? 10 : 8,
                color: '#333',
              },
              encoding: { text: { field: 'text', type: 'nominal' as const } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** Per-class F1 as horizontal bars, worst class at the top, with F1 and support written on. */
export function f1BarsSpec(perClass: readonly ClassMetrics[], split = 'test'): TopLevelSpec | null {
  const rows = perClass
    .filter((c) => finite(c.f1))
    .map((c) => ({
      label: c.label,
      f1: c.f1,
      text: `${c.f1.toFixed(2)} (n=${c.support})`,
    }))
    .sort((a, b) => a.f1 - b.f1);
  if (rows.length === 0) return null;
  return classBarsSpec({
    rows,
    nameField: 'label',
    valueField: 'f1',
    valueTitle: 'F1',
    title: { text: `Per-class F1 (${split})`, subtitle: 'worst class first; n = support' },
    description: `Per-class F1 bar chart on the ${split} split, ${rows.length} classes`,
    steps: [20, 12, 9],
  });
}

/** Reliability diagram: accuracy per confidence bin against the diagonal of perfect calibration. */
export function reliabilitySpec(
  bins: readonly ReliabilityBin[],
  split = 'test',
): TopLevelSpec | null {
  const rows = bins.filter((b) => b.count > 0 && finite(b.accuracy) && finite(b.confidence));
  if (rows.length === 0) return null;
  return {
    ...baseSpec,
    title: {
      text: `Reliability (${split})`,
      subtitle: 'bars: accuracy per bin; dots: mean confidence',
    },
    description: `Reliability diagram on the ${split} split: accuracy per confidence bin`,
    width: 300,
    height: 300,
    layer: [
      {
        data: {
          values: [
            { a: 0, b: 0 },
            { a: 1, b: 1 },
          ],
        },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: {
          x: { field: 'a', type: 'quantitative', scale: { domain: [0, 1] }, title: 'confidence' },
          y: { field: 'b', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'bar', color: '#4c78a8', opacity: 0.8, stroke: 'white' },
        encoding: {
          x: { field: 'lo', type: 'quantitative' },
          x2: { field: 'hi' },
          y: { field: 'accuracy', type: 'quantitative' },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, color: '#d62728', size: 30 },
        encoding: {
          x: { field: 'confidence', type: 'quantitative' },
          y: { field: 'accuracy', type: 'quantitative' },
        },
      },
    ],
  } as TopLevelSpec;
}
