// Vega-lite specs for the adaptation section: per-epoch accuracy on each domain, the domain
// discriminator, the transfer loss, and the two domains' features on shared PCA axes before
// and after adaptation. Same conventions as charts.ts: data inline, a `description` that
// becomes the SVG's aria-label, null when there is nothing to draw.
import type { TopLevelSpec } from 'vega-lite';
import {
  baseSpec,
  CURVE_HEIGHT,
  CURVE_WIDTH,
  EPOCH_LINE,
  EPOCH_X,
  finite,
  valueY,
} from './charts.js';
import type { AdaptationEpoch, AdaptationSummary, ScatterPoint } from './types.js';

/**
 * The legend name of the target accuracy series. Written on the chart itself, not only in the
 * text around it: a curve copied out of the report should still say it played no part in
 * choosing the model.
 */
export const TARGET_SERIES = 'target (not used for selection)';
const SOURCE_SERIES = 'source';
/** Solid for the source, dashed for the target. */
const DASHES = [
  [1, 0],
  [6, 4],
];
const DOMAIN_COLORS = { domain: ['source', 'target'], range: ['#1f77b4', '#ff7f0e'] };

/** Source (solid) and, when target labels were given, target (dashed) accuracy per epoch. */
export function domainAccuracySpec(adaptation: AdaptationSummary): TopLevelSpec | null {
  const points: { epoch: number; series: string; value: number }[] = [];
  for (const e of adaptation.epochs) {
    if (finite(e.sourceAccuracy)) {
      points.push({ epoch: e.epoch, series: SOURCE_SERIES, value: e.sourceAccuracy });
    }
    if (adaptation.targetLabelsGiven && finite(e.targetAccuracy)) {
      points.push({ epoch: e.epoch, series: TARGET_SERIES, value: e.targetAccuracy });
    }
  }
  if (points.length === 0) return null;
  const withTarget = points.some((p) => p.series === TARGET_SERIES);
  const baseline = adaptation.targetLabelsGiven ? adaptation.sourceOnlyTargetAccuracy : undefined;
  // Only the series present, or the legend would list a target curve that is not there.
  const names = withTarget ? [SOURCE_SERIES, TARGET_SERIES] : [SOURCE_SERIES];
  const series = { domain: names, range: DOMAIN_COLORS.range.slice(0, names.length) };
  // Colour and dash share field and title, so vega-lite draws one legend; stroke swatches, so
  // the legend itself shows which series is dashed.
  const legend = {
    orient: 'top' as const,
    direction: 'vertical' as const,
    labelLimit: 260,
    symbolType: 'stroke',
    symbolStrokeWidth: 2,
    symbolSize: 400,
  };
  return {
    ...baseSpec,
    title: {
      text: 'Accuracy per domain',
      subtitle: withTarget
        ? 'dashed: target, for reference only'
        : 'source validation; no target labels given',
    },
    description: withTarget
      ? 'Domain accuracy curves: source accuracy and target accuracy (not used for selection) per epoch'
      : 'Domain accuracy curves: source accuracy per epoch',
    width: CURVE_WIDTH,
    height: CURVE_HEIGHT,
    layer: [
      {
        data: { values: points },
        mark: EPOCH_LINE,
        encoding: {
          x: EPOCH_X,
          y: valueY('accuracy', { domain: [0, 1], format: '.0%' }),
          color: { field: 'series', type: 'nominal', title: null, scale: series, legend },
          strokeDash: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: names, range: DASHES.slice(0, names.length) },
            legend,
          },
        },
      },
      ...(finite(baseline)
        ? [referenceRule({ value: baseline, text: 'source-only on target' }, 'below')]
        : []),
    ],
  } as TopLevelSpec;
}

/** A dashed horizontal rule at `value`, labelled at the right edge just above or below it. */
function referenceRule(reference: { value: number; text: string }, label: 'above' | 'below') {
  const above = label === 'above';
  return {
    data: { values: [reference] },
    encoding: { y: { field: 'value', type: 'quantitative' as const } },
    layer: [
      { mark: { type: 'rule' as const, color: '#888', strokeDash: above ? [4, 4] : [2, 2] } },
      {
        mark: {
          type: 'text' as const,
          align: 'right' as const,
          baseline: above ? ('bottom' as const) : ('top' as const),
          x: 'width' as const,
          dx: -2,
          dy: above ? -2 : 3,
          fontSize: 10,
          color: '#666',
        },
        encoding: { text: { field: 'text', type: 'nominal' as const } },
      },
    ],
  };
}

/** One metric per epoch as a single line, with an optional labelled horizontal reference. */
function singleCurve(
  epochs: readonly AdaptationEpoch[],
  value: (e: AdaptationEpoch) => number | undefined,
  o: {
    title: string | { text: string; subtitle: string };
    description: string;
    yTitle: string;
    color: string;
    accuracy?: boolean;
    reference?: { value: number; text: string };
  },
): TopLevelSpec | null {
  const points = epochs
    .map((e) => ({ epoch: e.epoch, value: value(e) }))
    .filter((p): p is { epoch: number; value: number } => finite(p.value));
  if (points.length === 0) return null;
  const y = o.accuracy
    ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } }
    : { scale: { zero: false }, axis: {} };
  return {
    ...baseSpec,
    title: o.title,
    description: o.description,
    width: CURVE_WIDTH,
    height: CURVE_HEIGHT,
    layer: [
      ...(o.reference ? [referenceRule(o.reference, 'above')] : []),
      {
        data: { values: points },
        mark: {
          type: 'line',
          point: { filled: true, color: o.color },
          strokeWidth: 2,
          color: o.color,
        },
        encoding: {
          x: EPOCH_X,
          y: { field: 'value', type: 'quantitative', title: o.yTitle, ...y },
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * The domain discriminator's accuracy per epoch (adversarial methods), against chance. Near 0.5
 * the features fool it; near 1 the domains are still apart in the features.
 */
export function discriminatorSpec(epochs: readonly AdaptationEpoch[]): TopLevelSpec | null {
  return singleCurve(epochs, (e) => e.discriminatorAccuracy, {
    title: { text: 'Domain discriminator', subtitle: '0.5 = cannot tell the domains apart' },
    description: 'Discriminator accuracy curve: domain discriminator accuracy per epoch',
    yTitle: 'discriminator accuracy',
    color: '#9467bd',
    accuracy: true,
    reference: { value: 0.5, text: 'chance (0.5)' },
  });
}

/** The method's adaptation term per epoch (adversarial, MMD, CORAL or pseudo-label loss). */
export function transferLossSpec(epochs: readonly AdaptationEpoch[]): TopLevelSpec | null {
  return singleCurve(epochs, (e) => e.transferLoss, {
    title: 'Transfer loss',
    description: 'Transfer-loss curve: adaptation loss term per epoch',
    yTitle: 'transfer loss',
    color: '#8c564b',
  });
}

/**
 * Source and target features on the first two principal axes of both domains pooled, one
 * scatter per stage. Points carry no aria labels: a thousand of them would triple the SVG.
 */
export function domainScatterSpec(
  points: readonly ScatterPoint[],
  stage: 'before' | 'after',
  proxyADistance?: number,
): TopLevelSpec | null {
  const rows = points
    .filter((p) => finite(p.x) && finite(p.y) && (p.domain === 'source' || p.domain === 'target'))
    .map((p) => ({ x: p.x, y: p.y, domain: p.domain }));
  if (rows.length === 0) return null;
  const pad = finite(proxyADistance) ? `; proxy A-distance ${proxyADistance.toFixed(2)}` : '';
  return {
    ...baseSpec,
    title: { text: `Features ${stage} adaptation`, subtitle: `PCA of both domains pooled${pad}` },
    description: `Domain scatter ${stage} adaptation: source and target features on the first two principal axes`,
    width: 300,
    height: 300,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 18, opacity: 0.55, aria: false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'PC1', scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: 'PC2', scale: { zero: false } },
      color: {
        field: 'domain',
        type: 'nominal',
        title: null,
        scale: DOMAIN_COLORS,
        legend: { orient: 'top', direction: 'horizontal' },
      },
      shape: {
        field: 'domain',
        type: 'nominal',
        title: null,
        scale: { domain: DOMAIN_COLORS.domain, range: ['circle', 'triangle-up'] },
        legend: { orient: 'top', direction: 'horizontal' },
      },
    },
  } as TopLevelSpec;
}
