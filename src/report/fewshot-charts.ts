// Vega-lite specs for the few-shot report: test accuracy per method with 95% confidence
// intervals (one colour per K-shot setting, the untrained network drawn hollow beside the
// meta-trained one), and the meta-training learning curves. Same conventions as charts.ts:
// data inline, a `description` that becomes the SVG's aria-label, null when nothing to draw.
import type { TopLevelSpec } from 'vega-lite';
import { baseSpec, CURVE_HEIGHT, finite } from './charts.js';
import type { FewShotMethodReport, MetaTrainPoint, ShotAccuracy } from './fewshot-types.js';

/** Legend name of the untrained network's results, written on the chart itself. */
export const BEFORE_SERIES = 'before meta-training';
/** Legend name of the reported results: after meta-training, or the method as is. */
export const FINAL_SERIES = 'final';
/** Legend names of the accuracy curves. */
export const TRAIN_QUERY_SERIES = 'train query';
export const VALIDATION_SERIES = 'meta-validation';
/** A 10k-step log would make a multi-megabyte SVG; this many points per method is plenty. */
const MAX_CURVE_POINTS = 500;
const SHOT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const METHOD_COLORS = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#b279a2',
  '#9d755d',
  '#eeca3b',
];

export const shotLabel = (shots: number): string => `${shots}-shot`;

const usable = (a: ShotAccuracy): boolean => finite(a.shots) && finite(a.mean);

/** Has the method been meta-trained (a learning curve, or an untrained baseline to compare)? */
export function isMetaTrained(m: FewShotMethodReport): boolean {
  return m.history.length > 0 || (m.untrained?.length ?? 0) > 0;
}

interface AccuracyRow {
  method: string;
  shot: string;
  stage: string;
  /** Position inside the method's band: every (shot, stage) pair, before next to final. */
  slot: string;
  mean: number;
  lo: number;
  hi: number;
}

/** One row per usable result: the untrained network's first, then the reported ones. */
function accuracyRows(methods: readonly FewShotMethodReport[]): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  const add = (method: string, a: ShotAccuracy, stage: string) => {
    const ci = finite(a.ci95) ? Math.abs(a.ci95) : 0;
    const shot = shotLabel(a.shots);
    rows.push({
      method,
      shot,
      stage,
      slot: `${shot} ${stage}`,
      mean: a.mean,
      lo: Math.max(0, a.mean - ci),
      hi: Math.min(1, a.mean + ci),
    });
  };
  for (const m of methods) {
    for (const a of m.untrained ?? []) if (usable(a)) add(m.method, a, BEFORE_SERIES);
    for (const a of m.results) if (usable(a)) add(m.method, a, FINAL_SERIES);
  }
  return rows;
}

/** Every K-shot setting of any result, ascending, as legend labels. */
function shotLabels(methods: readonly FewShotMethodReport[]): string[] {
  const values = new Set(
    methods.flatMap((m) => [...m.results, ...(m.untrained ?? [])].map((a) => a.shots)),
  );
  return [...values]
    .filter(finite)
    .sort((a, b) => a - b)
    .map(shotLabel);
}

/** The stage legend, its swatches drawn as the marks are: hollow before, filled after, grey. */
const STAGE_LEGEND = {
  orient: 'top' as const,
  direction: 'horizontal' as const,
  labelLimit: 200,
  encode: {
    symbols: {
      update: {
        shape: { value: 'circle' },
        fill: [{ test: `datum.value === '${BEFORE_SERIES}'`, value: 'white' }, { value: '#555' }],
        stroke: { value: '#555' },
        strokeWidth: { value: 1.5 },
        opacity: { value: 1 },
      },
    },
  },
};

/** x: the method; within its band one slot per (shot, stage); colour: shot; opacity: stage. */
function accuracyEncoding(
  methods: readonly FewShotMethodReport[],
  shots: readonly string[],
  stages: readonly string[],
) {
  const withBefore = stages.includes(BEFORE_SERIES);
  const slots = shots.flatMap((s) => stages.map((st) => `${s} ${st}`));
  return {
    x: {
      field: 'method',
      type: 'nominal' as const,
      sort: [...new Set(methods.map((m) => m.method))],
      title: null,
      axis: { labelAngle: 0, labelLimit: 200, labelFontSize: 12 },
    },
    xOffset: { field: 'slot', type: 'nominal' as const, sort: slots, scale: { paddingInner: 0.2 } },
    color: {
      field: 'shot',
      type: 'nominal' as const,
      title: null,
      scale: { domain: shots, range: SHOT_COLORS.slice(0, shots.length) },
      legend: { orient: 'top' as const, direction: 'horizontal' as const },
    },
    opacity: {
      field: 'stage',
      type: 'nominal' as const,
      title: null,
      sort: stages,
      scale: { domain: stages, range: withBefore ? [0.5, 1] : [1] },
      legend: withBefore ? STAGE_LEGEND : null,
    },
  };
}

/** The interval as a rule with ticks at both ends, then the mean: filled, or hollow before. */
function accuracyLayers(rows: readonly AccuracyRow[]) {
  // Few-shot accuracies sit well inside [0, 1] and their intervals are a point or two wide:
  // a 0-100% axis would flatten every error bar, so the axis spans the data, in 10% steps.
  const lo = Math.max(0, Math.floor(Math.min(...rows.map((r) => r.lo)) * 10 - 0.5) / 10);
  const hi = Math.min(1, Math.ceil(Math.max(...rows.map((r) => r.hi)) * 10 + 0.5) / 10);
  const y = {
    type: 'quantitative' as const,
    title: 'test accuracy (mean ± 95% CI)',
    scale: { domain: [lo, hi] },
    axis: { format: '.0%' },
  };
  const tick = (field: 'lo' | 'hi') => ({
    mark: { type: 'tick' as const, orient: 'horizontal' as const, thickness: 1.5, size: 8 },
    encoding: { y: { field, ...y } },
  });
  const isBefore = `datum.stage === '${BEFORE_SERIES}'`;
  return [
    {
      mark: { type: 'rule', strokeWidth: 2 },
      encoding: { y: { field: 'lo', ...y }, y2: { field: 'hi' } },
    },
    tick('lo'),
    tick('hi'),
    {
      transform: [{ filter: `!(${isBefore})` }],
      mark: { type: 'point', filled: true, size: 55 },
      encoding: { y: { field: 'mean', ...y } },
    },
    {
      transform: [{ filter: isBefore }],
      mark: { type: 'point', filled: false, size: 55, strokeWidth: 1.5, fill: 'white' },
      encoding: { y: { field: 'mean', ...y } },
    },
  ];
}

/**
 * Mean test accuracy per method with its 95% interval as an error bar, one colour per K-shot
 * setting; meta-learners also get their untrained network's accuracy on the same episodes,
 * hollow and lighter, just left of the meta-trained one. Null when no method has a result.
 */
export function fewShotAccuracySpec(
  methods: readonly FewShotMethodReport[],
  ways?: number,
): TopLevelSpec | null {
  const rows = accuracyRows(methods);
  if (rows.length === 0) return null;
  const shots = shotLabels(methods);
  const withBefore = rows.some((r) => r.stage === BEFORE_SERIES);
  const stages = withBefore ? [BEFORE_SERIES, FINAL_SERIES] : [FINAL_SERIES];
  const waysText = finite(ways) ? `${ways}-way, ` : '';
  return {
    ...baseSpec,
    title: {
      text: 'Test accuracy per method',
      subtitle: withBefore
        ? `${waysText}mean ± 95% CI over the same episodes; hollow: ${BEFORE_SERIES}`
        : `${waysText}mean ± 95% CI over the same episodes`,
    },
    description: `Few-shot accuracy chart: mean test accuracy with 95% confidence intervals per method, ${shots.join(' and ')}${withBefore ? `, with accuracy ${BEFORE_SERIES}` : ''}`,
    // The step is per slot (xOffset); a method's band is wide enough for its name.
    width: { step: Math.max(16, Math.ceil(120 / (shots.length * stages.length))) },
    height: 260,
    data: { values: rows },
    encoding: accuracyEncoding(methods, shots, stages),
    layer: accuracyLayers(rows),
  } as TopLevelSpec;
}

/**
 * Keeps every `stride`-th point, the last one, and every point with a validation value, so a
 * long log stays small and the validation curve keeps all its checks.
 */
export function thinHistory(
  history: readonly MetaTrainPoint[],
  max = MAX_CURVE_POINTS,
): MetaTrainPoint[] {
  if (history.length <= max) return [...history];
  const stride = Math.ceil(history.length / max);
  return history.filter(
    (p, i) => i % stride === 0 || i === history.length - 1 || finite(p.valAccuracy),
  );
}

interface MetaTrainingRows {
  loss: { method: string; step: number; loss: number }[];
  accuracy: { method: string; step: number; series: string; value: number }[];
  /** The meta-validation 95% interval. */
  band: { method: string; step: number; lo: number; hi: number }[];
  /** The step meta-validation kept, per method. */
  best: { method: string; step: number }[];
}

/** The chart rows of the methods' (thinned) histories, in step order. */
function metaTrainingRows(trained: readonly FewShotMethodReport[]): MetaTrainingRows {
  const rows: MetaTrainingRows = { loss: [], accuracy: [], band: [], best: [] };
  for (const { method, history: all, bestStep } of trained) {
    const history = thinHistory(all.filter((p) => finite(p.step)).sort((a, b) => a.step - b.step));
    for (const { step, loss, accuracy, valAccuracy, valCi95 } of history) {
      if (finite(loss)) rows.loss.push({ method, step, loss });
      if (finite(accuracy)) {
        rows.accuracy.push({ method, step, series: TRAIN_QUERY_SERIES, value: accuracy });
      }
      if (finite(valAccuracy)) {
        rows.accuracy.push({ method, step, series: VALIDATION_SERIES, value: valAccuracy });
        if (finite(valCi95)) {
          const ci = Math.abs(valCi95);
          const lo = Math.max(0, valAccuracy - ci);
          rows.band.push({ method, step, lo, hi: Math.min(1, valAccuracy + ci) });
        }
      }
    }
    if (finite(bestStep)) rows.best.push({ method, step: bestStep });
  }
  return rows;
}

/** What both panels share: the outer-step axis, one colour per method, the kept-step rule. */
function metaTrainingAxes(names: readonly string[], best: MetaTrainingRows['best']) {
  const color = {
    field: 'method',
    type: 'nominal' as const,
    title: null,
    scale: { domain: names, range: names.map((_, i) => METHOD_COLORS[i % METHOD_COLORS.length]) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const x = { field: 'step', type: 'quantitative' as const, title: 'outer step' };
  const bestLayer =
    best.length > 0
      ? [
          {
            data: { values: best },
            mark: { type: 'rule' as const, strokeDash: [2, 3], strokeWidth: 1.5, opacity: 0.9 },
            encoding: { x, color },
          },
        ]
      : [];
  return { x, color, bestLayer };
}

type Axes = ReturnType<typeof metaTrainingAxes>;

function lossPanel(rows: MetaTrainingRows, { x, color, bestLayer }: Axes, points: boolean) {
  return {
    title: 'Training query loss',
    width: 300,
    height: CURVE_HEIGHT,
    layer: [
      {
        data: { values: rows.loss },
        mark: { type: 'line', strokeWidth: 1.5, point: points },
        encoding: {
          x,
          y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
          color,
        },
      },
      ...bestLayer,
    ],
  };
}

/** Training query accuracy solid, meta-validation dashed with points and its interval band. */
function accuracyPanel(rows: MetaTrainingRows, { x, color, bestLayer }: Axes, withVal: boolean) {
  const series = withVal ? [TRAIN_QUERY_SERIES, VALIDATION_SERIES] : [TRAIN_QUERY_SERIES];
  const accY = {
    type: 'quantitative' as const,
    title: 'accuracy',
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
  const band = {
    data: { values: rows.band },
    mark: { type: 'area' as const, opacity: 0.15 },
    encoding: { x, y: { field: 'lo', ...accY }, y2: { field: 'hi' }, color },
  };
  const strokeDash = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: {
      domain: series,
      range: [
        [1, 0],
        [6, 3],
      ].slice(0, series.length),
    },
    legend: withVal
      ? { orient: 'top', direction: 'horizontal', symbolType: 'stroke', symbolSize: 300 }
      : null,
  };
  const validationPoints = {
    data: { values: rows.accuracy },
    transform: [{ filter: `datum.series === '${VALIDATION_SERIES}'` }],
    mark: { type: 'point' as const, filled: true, size: 22 },
    encoding: { x, y: { field: 'value', ...accY }, color },
  };
  return {
    title: withVal ? 'Accuracy (dashed: meta-validation)' : 'Training query accuracy',
    width: 300,
    height: CURVE_HEIGHT,
    layer: [
      ...(rows.band.length > 0 ? [band] : []),
      {
        data: { values: rows.accuracy },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'value', ...accY }, color, strokeDash },
      },
      ...(withVal ? [validationPoints] : []),
      ...bestLayer,
    ],
  };
}

/**
 * Meta-training learning curves, one colour per meta-trained method: the training query loss
 * (left) and the training query accuracy with the meta-validation accuracy dashed, its 95%
 * interval as a band (right), against the outer step. A dotted vertical rule marks the step
 * meta-validation kept. Methods without a history are left out; null when none has one.
 */
export function metaTrainingSpec(methods: readonly FewShotMethodReport[]): TopLevelSpec | null {
  const trained = methods.filter((m) =>
    m.history.some((p) => finite(p.step) && (finite(p.loss) || finite(p.accuracy))),
  );
  if (trained.length === 0) return null;
  const names = [...new Set(trained.map((m) => m.method))];
  const rows = metaTrainingRows(trained);
  const withVal = rows.accuracy.some((r) => r.series === VALIDATION_SERIES);
  const perMethod = Math.max(...trained.map((m) => m.history.length));
  const axes = metaTrainingAxes(names, rows.best);
  const parts = [`training query loss and accuracy per outer step for ${names.join(', ')}`];
  if (withVal) parts.push('meta-validation accuracy');
  if (rows.best.length > 0) parts.push('the step kept by meta-validation');
  return {
    ...baseSpec,
    title: {
      text: 'Meta-training',
      subtitle:
        rows.best.length > 0
          ? 'dotted vertical line: the step kept by meta-validation'
          : 'training query loss and accuracy per outer step',
    },
    description: `Meta-training learning curves: ${parts.join('; ')}`,
    hconcat: [lossPanel(rows, axes, perMethod <= 60), accuracyPanel(rows, axes, withVal)],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}
