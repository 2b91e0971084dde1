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

/**
 * Mean test accuracy per method with its 95% interval as an error bar, one colour per K-shot
 * setting; meta-learners also get their untrained network's accuracy on the same episodes,
 * hollow and lighter, just left of the meta-trained one. Null when no method has a result.
 */
export function fewShotAccuracySpec(
  methods: readonly FewShotMethodReport[],
  ways?: number,
): TopLevelSpec | null {
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
  if (rows.length === 0) return null;
  const shotValues = [
    ...new Set(methods.flatMap((m) => [...m.results, ...(m.untrained ?? [])].map((a) => a.shots))),
  ]
    .filter(finite)
    .sort((a, b) => a - b);
  const shots = shotValues.map(shotLabel);
  const withBefore = rows.some((r) => r.stage === BEFORE_SERIES);
  const stages = withBefore ? [BEFORE_SERIES, FINAL_SERIES] : [FINAL_SERIES];
  const slots = shots.flatMap((s) => stages.map((st) => `${s} ${st}`));
  const methodOrder = [...new Set(methods.map((m) => m.method))];
  // Few-shot accuracies sit well inside [0, 1] and their intervals are a point or two wide:
  // a 0-100% axis would flatten every error bar, so the axis spans the data, in 10% steps.
  const lo = Math.max(0, Math.floor(Math.min(...rows.map((r) => r.lo)) * 10 - 0.5) / 10);
  const hi = Math.min(1, Math.ceil(Math.max(...rows.map((r) => r.hi)) * 10 + 0.5) / 10);
  const x = {
    field: 'method',
    type: 'nominal' as const,
    sort: methodOrder,
    title: null,
    axis: { labelAngle: 0, labelLimit: 200, labelFontSize: 12 },
  };
  const shared = {
    x,
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
      legend: withBefore
        ? {
            orient: 'top' as const,
            direction: 'horizontal' as const,
            labelLimit: 200,
            // Swatches drawn as the marks are: hollow before, filled after, in neutral grey.
            encode: {
              symbols: {
                update: {
                  shape: { value: 'circle' },
                  fill: [
                    { test: `datum.value === '${BEFORE_SERIES}'`, value: 'white' },
                    { value: '#555' },
                  ],
                  stroke: { value: '#555' },
                  strokeWidth: { value: 1.5 },
                  opacity: { value: 1 },
                },
              },
            },
          }
        : null,
    },
  };
  const y = {
    type: 'quantitative' as const,
    title: 'test accuracy (mean ± 95% CI)',
    scale: { domain: [lo, hi] },
    axis: { format: '.0%' },
  };
  const waysText = finite(ways) ? `${ways}-way, ` : '';
  const tick = (field: 'lo' | 'hi') => ({
    mark: { type: 'tick' as const, orient: 'horizontal' as const, thickness: 1.5, size: 8 },
    encoding: { y: { field, ...y } },
  });
  const isBefore = `datum.stage === '${BEFORE_SERIES}'`;
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
    width: { step: Math.max(16, Math.ceil(120 / slots.length)) },
    height: 260,
    data: { values: rows },
    encoding: shared,
    layer: [
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
    ],
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
  const lossRows: { method: string; step: number; loss: number }[] = [];
  const accRows: { method: string; step: number; series: string; value: number }[] = [];
  const bandRows: { method: string; step: number; lo: number; hi: number }[] = [];
  const bestRows: { method: string; step: number }[] = [];
  for (const m of trained) {
    const history = thinHistory(
      m.history.filter((p) => finite(p.step)).sort((a, b) => a.step - b.step),
    );
    for (const p of history) {
      if (finite(p.loss)) lossRows.push({ method: m.method, step: p.step, loss: p.loss });
      if (finite(p.accuracy)) {
        accRows.push({
          method: m.method,
          step: p.step,
          series: TRAIN_QUERY_SERIES,
          value: p.accuracy,
        });
      }
      if (finite(p.valAccuracy)) {
        accRows.push({
          method: m.method,
          step: p.step,
          series: VALIDATION_SERIES,
          value: p.valAccuracy,
        });
        if (finite(p.valCi95)) {
          const ci = Math.abs(p.valCi95);
          bandRows.push({
            method: m.method,
            step: p.step,
            lo: Math.max(0, p.valAccuracy - ci),
            hi: Math.min(1, p.valAccuracy + ci),
          });
        }
      }
    }
    if (finite(m.bestStep)) bestRows.push({ method: m.method, step: m.bestStep });
  }
  const withVal = accRows.some((r) => r.series === VALIDATION_SERIES);
  const series = withVal ? [TRAIN_QUERY_SERIES, VALIDATION_SERIES] : [TRAIN_QUERY_SERIES];
  const perMethod = Math.max(...trained.map((m) => m.history.length));
  const color = {
    field: 'method',
    type: 'nominal' as const,
    title: null,
    scale: { domain: names, range: names.map((_, i) => METHOD_COLORS[i % METHOD_COLORS.length]) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const x = { field: 'step', type: 'quantitative' as const, title: 'outer step' };
  const bestLayer =
    bestRows.length > 0
      ? [
          {
            data: { values: bestRows },
            mark: { type: 'rule' as const, strokeDash: [2, 3], strokeWidth: 1.5, opacity: 0.9 },
            encoding: { x, color },
          },
        ]
      : [];
  const lossPanel = {
    title: 'Training query loss',
    width: 300,
    height: CURVE_HEIGHT,
    layer: [
      {
        data: { values: lossRows },
        mark: { type: 'line', strokeWidth: 1.5, point: perMethod <= 60 },
        encoding: {
          x,
          y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
          color,
        },
      },
      ...bestLayer,
    ],
  };
  const accY = {
    type: 'quantitative' as const,
    title: 'accuracy',
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
  const accuracyPanel = {
    title: withVal ? 'Accuracy (dashed: meta-validation)' : 'Training query accuracy',
    width: 300,
    height: CURVE_HEIGHT,
    layer: [
      ...(bandRows.length > 0
        ? [
            {
              data: { values: bandRows },
              mark: { type: 'area' as const, opacity: 0.15 },
              encoding: { x, y: { field: 'lo', ...accY }, y2: { field: 'hi' }, color },
            },
          ]
        : []),
      {
        data: { values: accRows },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'value', ...accY },
          color,
          strokeDash: {
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
          },
        },
      },
      ...(withVal
        ? [
            {
              data: { values: accRows },
              transform: [{ filter: `datum.series === '${VALIDATION_SERIES}'` }],
              mark: { type: 'point' as const, filled: true, size: 22 },
              encoding: { x, y: { field: 'value', ...accY }, color },
            },
          ]
        : []),
      ...bestLayer,
    ],
  };
  const parts = [`training query loss and accuracy per outer step for ${names.join(', ')}`];
  if (withVal) parts.push('meta-validation accuracy');
  if (bestRows.length > 0) parts.push('the step kept by meta-validation');
  return {
    ...baseSpec,
    title: {
      text: 'Meta-training',
      subtitle:
        bestRows.length > 0
          ? 'dotted vertical line: the step kept by meta-validation'
          : 'training query loss and accuracy per outer step',
    },
    description: `Meta-training learning curves: ${parts.join('; ')}`,
    hconcat: [lossPanel, accuracyPanel],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}
