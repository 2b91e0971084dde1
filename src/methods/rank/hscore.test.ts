import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, pseudoInverse } from 'ml-matrix';
import { Rng } from '../../util/rng.js';
import { hScore, shrinkageHScore } from './hscore.js';
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

/** Each class's mean row. */
function classMeans(rows: number[][], labels: number[], classes: number): number[][] {
  return Array.from({ length: classes }, (_, k) => {
    const members = rows.filter((_, i) => labels[i] === k);
    return rows[0]!.map((_, j) => members.reduce((s, r) => s + r[j]!, 0) / members.length);
  });
}

/** tr(cov(f)⁻¹ cov(E[f|y])) with an explicit Cholesky solve (full-rank features). */
function referenceHScore(rows: number[][], labels: number[], classes: number): number {
  const d = rows[0]!.length;
  const means = classMeans(rows, labels, classes);
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

/** The d × d definition with ml-matrix's SVD pseudo-inverse (the former implementation). */
function pinvHScore(rows: number[][], labels: number[], classes: number): number {
  const f = new Matrix(rows);
  const means = classMeans(rows, labels, classes);
  const g = new Matrix(labels.map((y) => means[y]!));
  const cov = (x: Matrix) => {
    const c = x.clone().subRowVector(x.mean('column'));
    return c.transpose().mmul(c).div(x.rows);
  };
  return pseudoInverse(cov(f)).mmul(cov(g)).trace();
}

/**
 * Ibrahim et al.'s H_α written out: sklearn's Ledoit–Wolf shrinkage from explicit d × d sums,
 * cov_α = (1 − α) cov(f) + α tr(cov(f))/d I, and tr(cov_α⁻¹ (1 − α) cov(E[f|y])) by Cholesky.
 */
function referenceShrinkage(rows: number[][], labels: number[], classes: number): number {
  const [n, d] = [rows.length, rows[0]!.length];
  const mean = rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const x = rows.map((r) => r.map((v, j) => v - mean[j]!));
  const emp = covariance(rows);
  const mu = emp.reduce((s, row, i) => s + row[i]!, 0) / d;
  let beta0 = 0;
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) beta0 += x.reduce((s, r) => s + r[a]! ** 2 * r[b]! ** 2, 0);
  const delta0 = emp.reduce((s, row) => s + row.reduce((t, v) => t + v * v, 0), 0);
  const beta = (beta0 / n - delta0) / (d * n);
  const delta = (delta0 - 2 * mu * mu * d + d * mu * mu) / d;
  const alpha = Math.min(beta, delta) / delta;
  const shrunk = emp.map((row, i) =>
    row.map((v, j) => (1 - alpha) * v + (i === j ? alpha * mu : 0)),
  );
  const means = classMeans(rows, labels, classes);
  const between = covariance(labels.map((y) => means[y]!));
  const l = cholesky(shrunk);
  let trace = 0;
  for (let j = 0; j < d; j++)
    trace +=
      (1 - alpha) *
      solve(
        l,
        between.map((row) => row[j]!),
      )[j]!;
  assert.ok(alpha > 0 && alpha < 1, `a real shrinkage: ${alpha}`);
  return trace;
}

test('H-score equals the pseudo-inverse definition with more dimensions than images', () => {
  for (const [seed, n, d, classes] of [
    [4, 20, 30, 4],
    [5, 12, 40, 3],
  ] as const) {
    // Rank-deficient on purpose: d > n, and 5 of the columns copies of others.
    const { rows, labels, input } = problem(seed, n, d, classes, 1);
    for (const r of rows) for (let j = 0; j < 5; j++) r[d - 1 - j] = r[j]!;
    const want = pinvHScore(rows, labels, classes);
    const got = hScore({ ...input, features: rows.flat() });
    assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${got} vs pinv ${want}`);
  }
});

test('with at least as many dimensions as images the plain H-score is K − 1 for any features', () => {
  const { input } = problem(6, 24, 40, 4, 5);
  const shuffled = { ...input, labels: [...input.labels].reverse().map((_, i) => (i * 7) % 4) };
  assert.ok(Math.abs(hScore(input) - 3) < 1e-6, `${hScore(input)}`);
  assert.ok(Math.abs(hScore(shuffled) - 3) < 1e-6, `${hScore(shuffled)}`);
});

test('shrinkage H-score equals the explicit Ledoit–Wolf formula on random features', () => {
  for (const [seed, n, d, classes, noise] of [
    [7, 40, 8, 3, 1],
    [8, 16, 24, 4, 2],
    [9, 30, 30, 5, 0.5],
  ] as const) {
    const { rows, labels, input } = problem(seed, n, d, classes, noise);
    const want = referenceShrinkage(rows, labels, classes);
    const got = shrinkageHScore(input);
    assert.ok(Math.abs(got - want) <= 1e-8 * Math.max(1, want), `${got} vs reference ${want}`);
    assert.ok(got > 0 && got <= hScore(input) + 1e-9, `0 < H_α ≤ H: ${got}, ${hScore(input)}`);
  }
});

test('shrinkage H-score ranks class-separating features above shuffled labels when d > n', () => {
  const { input } = problem(10, 30, 60, 3, 1);
  const rng = new Rng(11);
  const shuffled = [...input.labels];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const separable = shrinkageHScore(input);
  const noise = shrinkageHScore({ ...input, labels: shuffled });
  assert.ok(separable > 1.2 * noise, `separable ${separable} vs shuffled ${noise}`);
  assert.ok(
    Math.abs(hScore(input) - hScore({ ...input, labels: shuffled })) < 1e-6,
    'plain: both K − 1',
  );
});
