// Vega-lite spec for the rank report: one backbone's candidate layers in network order (shallow
// to deep) against a score, one line per input size, so where the transferable features sit in
// the network reads at a glance. Same conventions as charts.ts: data inline, a `description`
// that becomes the SVG's aria-label, null when there is nothing to draw.
import type { TopLevelSpec } from 'vega-lite';
import type { RankRow } from '../methods/rank/run-rank.js';
import { baseSpec, finite } from './charts.js';

export type RankScore = 'logme' | 'hscore';

const SCORE_TITLES: Record<RankScore, string> = {
  logme: 'LogME',
  hscore: 'H-score (shrinkage)',
};

/** Single layers of `backbone` (pairs have no depth) with a finite score, or null. */
export function layerScoreSpec(
  rows: readonly RankRow[],
  backbone: string,
  score: RankScore,
): TopLevelSpec | null {
  const points = rows
    .filter((r) => r.backbone === backbone && r.depth !== null && finite(r[score]))
    .map((r) => ({ layer: r.layer, depth: r.depth, size: `${r.imageSize} px`, value: r[score] }));
  if (points.length === 0) return null;
  const sizes = new Set(points.map((p) => p.size)).size;
  return {
    ...baseSpec,
    title: {
      text: `${SCORE_TITLES[score]} per layer · ${backbone}`,
      subtitle: 'shallow to deep; higher transfers better',
    },
    description: `${SCORE_TITLES[score]} per layer of ${backbone}: ${points.length} points, ${sizes} input size${sizes === 1 ? '' : 's'}`,
    width: Math.max(280, Math.min(900, 22 * (points.length / sizes))),
    height: 240,
    data: { values: points },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'layer',
        type: 'ordinal',
        sort: { field: 'depth', order: 'ascending' },
        title: 'layer',
        axis: { labelAngle: -50, labelLimit: 240 },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: SCORE_TITLES[score],
        scale: { zero: false },
      },
      color: { field: 'size', type: 'nominal', title: 'input size' },
    },
  } as TopLevelSpec;
}
