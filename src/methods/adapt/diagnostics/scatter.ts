// Source and target features in one 2-D picture: a sample of each domain, projected on the
// principal axes of the pooled sample. Pooling matters: axes fitted per domain would make two
// different clouds look alike. Before adaptation the domains usually sit apart along PC1.

import { badInput } from '../../../errors.js';
import type { ScatterPoint } from '../../../report/types.js';
import { Rng } from '../../../util/rng.js';
import type { FeatureRows } from './matrix.js';
import { pca2d } from './pca.js';

export interface DomainScatterOptions {
  /** Points drawn from each domain at most. Default 500. */
  maxPoints?: number;
  seed?: number;
  /** Class names per row, written on the points (e.g. true labels, when known). */
  sourceLabels?: readonly string[];
  targetLabels?: readonly string[];
}

/** Indices of a random sample of `max` of `n` rows, in their original order. */
function sample(n: number, max: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  return rng
    .permutation(n)
    .slice(0, max)
    .sort((a, b) => a - b);
}

export function domainScatter(
  source: FeatureRows,
  target: FeatureRows,
  options: DomainScatterOptions = {},
): ScatterPoint[] {
  const { maxPoints = 500, seed = 0, sourceLabels, targetLabels } = options;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) {
    throw badInput(`domain scatter: maxPoints must be a positive integer, got ${maxPoints}`);
  }
  for (const [name, rows, labels] of [
    ['source', source, sourceLabels],
    ['target', target, targetLabels],
  ] as const) {
    if (rows.length === 0) throw badInput(`domain scatter: no ${name} features`);
    if (labels && labels.length !== rows.length) {
      throw badInput(`domain scatter: ${labels.length} ${name} labels for ${rows.length} rows`);
    }
  }
  const rng = new Rng(seed).fork('domain-scatter');
  const s = sample(source.length, maxPoints, rng.fork('source'));
  const t = sample(target.length, maxPoints, rng.fork('target'));
  const pca = pca2d([...s.map((i) => source[i]), ...t.map((i) => target[i])]);
  const point = (
    rows: FeatureRows,
    i: number,
    domain: ScatterPoint['domain'],
    labels?: readonly string[],
  ): ScatterPoint => {
    const [x, y] = pca.project(rows[i]);
    return labels ? { x, y, domain, label: labels[i] } : { x, y, domain };
  };
  return [
    ...s.map((i) => point(source, i, 'source', sourceLabels)),
    ...t.map((i) => point(target, i, 'target', targetLabels)),
  ];
}
