import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { pca2d } from './pca.js';
import { domainScatter } from './scatter.js';

function cloud(n: number, d: number, offset: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: d }, (_, j) => rng.normal() + (j < 3 ? offset : 0)),
  );
}

test('small sets: every row, projected on the PCA of both domains pooled', () => {
  const rng = new Rng(1);
  const source = cloud(40, 6, 0, rng);
  const target = cloud(30, 6, 4, rng);
  const points = domainScatter(source, target);
  assert.equal(points.length, 70);
  assert.deepEqual(
    points.map((p) => p.domain),
    [...source.map(() => 'source'), ...target.map(() => 'target')],
  );
  const pca = pca2d([...source, ...target]);
  [...source, ...target].forEach((row, i) => {
    assert.deepEqual([points[i].x, points[i].y], pca.project(row), `row ${i}`);
  });
  // Shared axes: the shift between the domains is PC1, so the domains sit on either side.
  const meanX = (domain: string) => {
    const xs = points.filter((p) => p.domain === domain).map((p) => p.x);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  assert.ok(
    Math.abs(meanX('source') - meanX('target')) > 5,
    `${meanX('source')} ${meanX('target')}`,
  );
  assert.ok(Math.sign(meanX('source')) !== Math.sign(meanX('target')));
  assert.ok(!('label' in points[0]));
});

test('large sets are sampled per domain, deterministically, labels follow their rows', () => {
  const rng = new Rng(2);
  const source = cloud(1200, 5, 0, rng);
  const target = cloud(50, 5, 1, rng);
  const options = {
    maxPoints: 300,
    seed: 4,
    sourceLabels: source.map((_, i) => `s${i}`),
    targetLabels: target.map((_, i) => `t${i}`),
  };
  const points = domainScatter(source, target, options);
  assert.equal(points.filter((p) => p.domain === 'source').length, 300);
  assert.equal(points.filter((p) => p.domain === 'target').length, 50);
  assert.deepEqual(domainScatter(source, target, options), points);
  const other = domainScatter(source, target, { ...options, seed: 5 });
  assert.notDeepEqual(
    other.map((p) => p.label),
    points.map((p) => p.label),
  );
  // Each label names the row drawn; the axes are those of the pooled sample.
  const rows = points.map(
    (p) => (p.domain === 'source' ? source : target)[Number(p.label!.slice(1))],
  );
  assert.equal(new Set(points.map((p) => p.label)).size, 350);
  const pca = pca2d(rows);
  points.forEach((p, i) => {
    assert.deepEqual([p.x, p.y], pca.project(rows[i]), p.label);
  });
});

test('bad input is named', () => {
  assert.throws(() => domainScatter([], [[1]]), /no source features/);
  assert.throws(
    () => domainScatter([[1], [2]], [[3]], { targetLabels: ['a', 'b'] }),
    /2 target labels for 1 rows/,
  );
  assert.throws(() => domainScatter([[1]], [[2]], { maxPoints: 0 }), /maxPoints/);
});
