import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { fitLogistic } from './logistic.js';

/** The same objective minimized by Newton's method on [w1, w2, b] (3×3 solves by Cramer's rule). */
function newton(rows: number[][], labels: number[], l2: number): number[] {
  const n = rows.length;
  let theta = [0, 0, 0];
  for (let it = 0; it < 50; it++) {
    const g = [l2 * theta[0], l2 * theta[1], 0];
    const h = [
      [l2, 0, 0],
      [0, l2, 0],
      [0, 0, 0],
    ];
    rows.forEach((r, i) => {
      const x = [r[0], r[1], 1];
      const p = 1 / (1 + Math.exp(-(theta[0] * x[0] + theta[1] * x[1] + theta[2])));
      for (let a = 0; a < 3; a++) {
        g[a] += ((p - labels[i]) * x[a]) / n;
        for (let b = 0; b < 3; b++) h[a][b] += (p * (1 - p) * x[a] * x[b]) / n;
      }
    });
    const det = (m: number[][]) =>
      m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
      m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
      m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    const dh = det(h);
    const step = [0, 1, 2].map(
      (c) => det(h.map((row, a) => row.map((v, b) => (b === c ? g[a] : v)))) / dh,
    );
    theta = theta.map((t, a) => t - step[a]);
  }
  return theta;
}

test('matches Newton on a 2-feature problem with overlapping classes', () => {
  const rng = new Rng(11);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 300; i++) {
    const y = i % 2;
    rows.push([rng.normal() + (y ? 1 : -0.5), 2 * rng.normal() + (y ? 0.5 : 0)]);
    labels.push(y);
  }
  for (const l2 of [1e-2, 0.3]) {
    const want = newton(rows, labels, l2);
    const got = fitLogistic(Float64Array.from(rows.flat()), Uint8Array.from(labels), 2, { l2 });
    const have = [got.weights[0], got.weights[1], got.bias];
    for (let a = 0; a < 3; a++) {
      assert.ok(Math.abs(have[a] - want[a]) < 1e-5, `l2 ${l2} θ${a}: ${have[a]} vs ${want[a]}`);
    }
    assert.ok(got.iterations < 1000, `${got.iterations} iterations`);
    // score is w·x + b.
    const s = got.score(Float64Array.from(rows[5]), 0);
    assert.ok(Math.abs(s - (have[0] * rows[5][0] + have[1] * rows[5][1] + have[2])) < 1e-12);
  }
});

test('separable data: the penalty keeps the weights finite and the fit exact', () => {
  const rows = [
    [-2, 0],
    [-1, 1],
    [1, -1],
    [2, 0],
  ];
  const labels = [0, 0, 1, 1];
  const want = newton(rows, labels, 0.1);
  const got = fitLogistic(Float64Array.from(rows.flat()), Uint8Array.from(labels), 2, { l2: 0.1 });
  assert.ok(Math.abs(got.weights[0] - want[0]) < 1e-5, `${got.weights[0]} vs ${want[0]}`);
  assert.ok(Math.abs(got.bias - want[2]) < 1e-5);
  rows.forEach((r, i) => {
    assert.equal(got.score(Float64Array.from(r), 0) > 0, labels[i] === 1, `row ${i}`);
  });
});
