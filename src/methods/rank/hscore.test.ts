import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { hScore } from './hscore.js';
import { cholesky, solve } from './test-linalg.js';

function covariance(rows: number[][]): number[][] {
  const [n, d] = [rows.length, rows[0]!.length];
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  return Array.from({ length: d }, (_, i) =>
    Array.from(
      { length: d },
      (_, j) => rows.reduce((s, r) => s + (r[i]! - mean[i]!) * (r[j]! - mean[j]!), 0) / n,
    ),
  );
}

/** tr(cov(f)⁻¹ cov(E[f|y])) with an explicit Cholesky solve (full-rank features). */
function referenceHScore(rows: number[][], labels: number[], classes: number): number {
  const d = rows[0]!.length;
  const means = Array.from({ length: classes }, (_, k) => {
    const members = rows.filter((_, i) => labels[i] === k);
    return Array.from(
      { length: d },
      (_, j) => members.reduce((s, r) => s + r[j]!, 0) / members.length,
    );
  });
  const between = covariance(labels.map((y) => means[y]!));
  const l = cholesky(covariance(rows));
  let trace = 0;
  for (let j = 0; j < d; j++)
    trace += solve(
      l,
      between.map((row) => row[j]!),
    )[j]!;
  return trace;
}

function problem(seed: number, n: number, d: number, classes: number, noise: number) {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const means = Array.from({ length: classes }, () =>
    Array.from({ length: d }, () => 2 * rng.normal()),
  );
  const rows = labels.map((y) => means[y]!.map((m, j) => (m + noise * rng.normal()) * (1 + j)));
  return { rows, labels, input: { features: rows.flat(), dim: d, labels, numClasses: classes } };
}

test('H-score equals the explicit formula on random full-rank features', () => {
  for (const [seed, n, d, classes] of [
    [1, 50, 5, 3],
    [2, 80, 10, 6],
  ] as const) {
    const { rows, labels, input } = problem(seed, n, d, classes, 1);
    const want = referenceHScore(rows, labels, classes);
    const got = hScore(input);
    assert.ok(Math.abs(got - want) <= 1e-8 * Math.max(1, want), `${got} vs reference ${want}`);
    assert.ok(got > 0 && got < classes - 1, `within (0, K−1): ${got}`);
  }
});

test('features that are exactly the class means reach the bound K − 1 (pseudo-inverse)', () => {
  const { input } = problem(3, 30, 6, 3, 0);
  assert.ok(Math.abs(hScore(input) - 2) < 1e-6, `${hScore(input)}`);
});
