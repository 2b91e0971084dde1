import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { logme } from './logme.js';
import { cholesky, solve } from './test-linalg.js';

/**
 * The paper's algorithm written out with explicit d × d matrices (no eigendecomposition):
 * A = αI + βFᵀF, m = βA⁻¹Fᵀy, γ = d − α tr(A⁻¹), the same fixed point and evidence.
 */
function referenceLogme(f: number[][], labels: number[], classes: number): number {
  const [n, d] = [f.length, f[0]!.length];
  const ftf = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => f.reduce((s, row) => s + row[i]! * row[j]!, 0)),
  );
  let total = 0;
  for (let k = 0; k < classes; k++) {
    const y = labels.map((l) => (l === k ? 1 : 0));
    const fty = Array.from({ length: d }, (_, j) =>
      f.reduce((s, row, r) => s + row[j]! * y[r]!, 0),
    );
    const at = (alpha: number, beta: number) => {
      const a = ftf.map((row, i) => row.map((v, j) => beta * v + (i === j ? alpha : 0)));
      const l = cholesky(a);
      const m = solve(l, fty).map((v) => beta * v);
      let traceInv = 0;
      for (let i = 0; i < d; i++)
        traceInv += solve(
          l,
          ftf.map((_, j) => (j === i ? 1 : 0)),
        )[i]!;
      const residual2 = f.reduce((s, row, r) => {
        const e = y[r]! - row.reduce((t, v, j) => t + v * m[j]!, 0);
        return s + e * e;
      }, 0);
      const mNorm2 = m.reduce((s, v) => s + v * v, 0);
      const logDet = 2 * l.reduce((s, row, i) => s + Math.log(row[i]!), 0);
      return { gamma: d - alpha * traceInv, mNorm2, residual2, logDet };
    };
    let alpha = 1;
    let beta = 1;
    for (let t = 0; t < 11; t++) {
      const { gamma, mNorm2, residual2 } = at(alpha, beta);
      const [a2, b2] = [gamma / mNorm2, (n - gamma) / residual2];
      const change = Math.abs(a2 / b2 - alpha / beta) / (alpha / beta);
      [alpha, beta] = [a2, b2];
      if (change < 1e-3) break;
    }
    const { mNorm2, residual2, logDet } = at(alpha, beta);
    const evidence =
      (n / 2) * Math.log(beta) +
      (d / 2) * Math.log(alpha) -
      (n / 2) * Math.log(2 * Math.PI) -
      (beta / 2) * residual2 -
      (alpha / 2) * mNorm2 -
      logDet / 2;
    total += evidence / n;
  }
  return total / classes;
}

function randomProblem(seed: number, n: number, d: number, classes: number) {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  // Class-dependent means plus noise, features on different scales.
  const means = Array.from({ length: classes }, () =>
    Array.from({ length: d }, () => rng.normal()),
  );
  const rows = labels.map((y) =>
    Array.from({ length: d }, (_, j) => (means[y]![j]! + 1.5 * rng.normal()) * (1 + j)),
  );
  return { rows, labels, input: { features: rows.flat(), dim: d, labels, numClasses: classes } };
}

test('LogME equals the explicit-matrix algorithm on random data (n > d and n < d)', () => {
  for (const [seed, n, d, classes] of [
    [1, 40, 6, 3],
    [2, 12, 20, 4],
    [3, 25, 25, 2],
  ] as const) {
    const { rows, labels, input } = randomProblem(seed, n, d, classes);
    const want = referenceLogme(rows, labels, classes);
    const got = logme(input);
    assert.ok(
      Math.abs(got - want) <= 1e-7 * Math.max(1, Math.abs(want)),
      `n=${n} d=${d}: ${got} vs reference ${want}`,
    );
  }
});

test('features that separate the classes score above the same features with shuffled labels', () => {
  const { input } = randomProblem(4, 60, 8, 3);
  const rng = new Rng(5);
  const shuffled = rng.shuffle([...input.labels]);
  const real = logme(input);
  const chance = logme({ ...input, labels: shuffled });
  assert.ok(real > chance + 0.05, `separable ${real} vs shuffled ${chance}`);
});

test('bad shapes and labels are refused by name', () => {
  assert.throws(
    () => logme({ features: [1, 2, 3], dim: 2, labels: [0], numClasses: 2 }),
    /not rows of 2/,
  );
  assert.throws(
    () => logme({ features: [1, 2, 3, 4], dim: 2, labels: [0, 2], numClasses: 2 }),
    /label 2 of row 1/,
  );
});
