// Vega-lite specs for the compare report: accuracy against size on disk and accuracy against
// throughput, one labelled point per bundle, so the trade-off of each compression step reads
// at a glance. Same conventions as charts.ts: data inline, a `description` that becomes the
// SVG's aria-label, null when there is nothing to draw.
import type { TopLevelSpec } from 'vega-lite';
import { baseSpec, finite } from './charts.js';

/** What a chart needs of one bundle. */
export interface ComparePoint {
  name: string;
  accuracy: number;
  diskBytes: number;
  imagesPerSecond: number;
}

/** A log axis when the values span more than 10x: a 4x-quantized model next to its teacher. */
export function spansDecade(values: readonly number[]): boolean {
  const positive = values.filter((v) => finite(v) && v > 0);
  return positive.length > 1 && Math.max(...positive) / Math.min(...positive) > 10;
}

function tradeoffSpec(
  rows: { name: string; x: number; accuracy: number }[],
  x: { title: string; format: string },
  title: { text: string; subtitle: string },
  description: string,
): TopLevelSpec | null {
  const points = rows.filter((r) => finite(r.x) && r.x > 0 && finite(r.accuracy));
  if (points.length === 0) return null;
  const log = spansDecade(points.map((p) => p.x));
  const encoding = {
    x: {
      field: 'x',
      type: 'quantitative' as const,
      title: log ? `${x.title} (log scale)` : x.title,
      scale: log ? { type: 'log' as const } : { zero: true },
      axis: { format: x.format },
    },
    y: {
      field: 'accuracy',
      type: 'quantitative' as const,
      title: 'accuracy',
      // Compressed models usually sit within a few points of each other: a 0-100% axis
      // would stack them on one pixel row.
      scale: { zero: false, nice: true, padding: 16 },
      axis: { format: '.1%' },
    },
  };
  return {
    ...baseSpec,
    title,
    description,
    width: 340,
    height: 260,
    data: { values: points },
    encoding,
    layer: [
      { mark: { type: 'point', filled: true, size: 80, color: '#1f77b4' } },
      {
        mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 11, color: '#333' },
        encoding: { text: { field: 'name', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}

/** Accuracy against megabytes on disk, one labelled point per bundle. */
export function accuracyVsSizeSpec(points: readonly ComparePoint[]): TopLevelSpec | null {
  return tradeoffSpec(
    points.map((p) => ({ name: p.name, x: p.diskBytes / 1e6, accuracy: p.accuracy })),
    { title: 'size on disk (MB)', format: '~g' },
    { text: 'Accuracy against size', subtitle: 'up and to the left is better' },
    `Accuracy against size on disk: one labelled point per bundle, ${points.length} bundles`,
  );
}

/** Accuracy against images per second, one labelled point per bundle. */
export function accuracyVsSpeedSpec(points: readonly ComparePoint[]): TopLevelSpec | null {
  return tradeoffSpec(
    points.map((p) => ({ name: p.name, x: p.imagesPerSecond, accuracy: p.accuracy })),
    { title: 'throughput (images / s)', format: '~s' },
    { text: 'Accuracy against throughput', subtitle: 'up and to the right is better' },
    `Accuracy against throughput: one labelled point per bundle, ${points.length} bundles`,
  );
}
