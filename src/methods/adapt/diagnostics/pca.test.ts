import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { pca2d } from './pca.js';

type Vec = number[];
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
/** |cos| of the angle between two directions: 1 when equal up to sign. */
const alignment = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.abs(dot(a, b)) / Math.sqrt(dot(a, a) * dot(b, b));

/** Sample covariance (n − 1) of rows, written out in the obvious way. */
function covariance(rows: Vec[]): number[][] {
  const n = rows.length;
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  return Array.from({ length: d }, (_, i) =>
    Array.from(
      { length: d },
      (_, j) => rows.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0) / (n - 1),
    ),
  );
}

/** Eigenvalues of a symmetric 3×3, largest first: the trigonometric closed form (Smith 1961). */
function eigen3(a: number[][]): number[] {
  const p1 = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
  const q = (a[0][0] + a[1][1] + a[2][2]) / 3;
  const p = Math.sqrt(((a[0][0] - q) ** 2 + (a[1][1] - q) ** 2 + (a[2][2] - q) ** 2 + 2 * p1) / 6);
  const b = a.map((row, i) => row.map((v, j) => (v - (i === j ? q : 0)) / p));
  const det =
    b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
    b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
    b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
  const phi = Math.acos(Math.min(1, Math.max(-1, det / 2))) / 3;
  const e1 = q + 2 * p * Math.cos(phi);
  const e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [e1, 3 * q - e1 - e3, e3];
}

/** Eigenvector of a symmetric 3×3 for eigenvalue λ: the cross product of two rows of A − λI. */
function eigenvector3(a: number[][], lambda: number): Vec {
  const m = a.map((row, i) => row.map((v, j) => v - (i === j ? lambda : 0)));
  const cross = (u: Vec, v: Vec) => [
    u[1] * v[2] - u[2] * v[1],
    u[2] * v[0] - u[0] * v[2],
    u[0] * v[1] - u[1] * v[0],
  ];
  const candidates = [cross(m[0], m[1]), cross(m[0], m[2]), cross(m[1], m[2])];
  return candidates.reduce((best, c) => (dot(c, c) > dot(best, best) ? c : best));
}

/** `k` orthonormal random vectors in `d` dimensions (Gram-Schmidt). */
function orthonormal(d: number, k: number, rng: Rng): Vec[] {
  const out: Vec[] = [];
  while (out.length < k) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (const u of out) {
      const c = dot(u, v);
      for (let i = 0; i < d; i++) v[i] -= c * u[i];
    }
    const norm = Math.sqrt(dot(v, v));
    out.push(v.map((x) => x / norm));
  }
  return out;
}

test('2-D data: axes and explained ratios match the 2×2 closed form', () => {
  const rng = new Rng(1);
  const rows = Array.from({ length: 120 }, () => {
    const a = rng.normal();
    const b = rng.normal();
    return [3 + 2 * a + 0.5 * b, -1 + 0.8 * a - 0.7 * b];
  });
  const [[a, b], [, c]] = covariance(rows);
  const mid = (a + c) / 2;
  const r = Math.hypot((a - c) / 2, b);
  const pca = pca2d(rows);
  close(pca.explained[0], (mid + r) / (a + c), 1e-9, 'explained[0]');
  close(pca.explained[1], (mid - r) / (a + c), 1e-9, 'explained[1]');
  close(alignment(pca.axes[0], [b, mid + r - a]), 1, 1e-12, 'PC1');
  close(alignment(pca.axes[1], [b, mid - r - a]), 1, 1e-12, 'PC2');
});

test('rank-3 data planted in 40-D: axes and ratios match the 3×3 closed form', () => {
  const rng = new Rng(2);
  const d = 40;
  const basis = orthonormal(d, 3, rng);
  const offset = Array.from({ length: d }, () => 10 * rng.normal());
  // Correlated coefficients, so the principal axes are mixtures of the planted basis.
  const coefficients = Array.from({ length: 200 }, () => {
    const [g1, g2, g3] = [rng.normal(), rng.normal(), rng.normal()];
    return [5 * g1, 2 * g2 + 1.5 * g1, 0.7 * g3 - 0.4 * g2];
  });
  const rows = coefficients.map((c) =>
    offset.map((o, i) => o + c[0] * basis[0][i] + c[1] * basis[1][i] + c[2] * basis[2][i]),
  );
  // The covariance is B·Cc·Bᵀ: its spectrum is Cc's, its eigenvectors B·(Cc's eigenvectors).
  const cc = covariance(coefficients);
  const values = eigen3(cc);
  const total = cc[0][0] + cc[1][1] + cc[2][2];
  const pca = pca2d(rows);
  close(pca.explained[0], values[0] / total, 1e-6, 'explained[0]');
  close(pca.explained[1], values[1] / total, 1e-6, 'explained[1]');
  for (const k of [0, 1]) {
    const v = eigenvector3(cc, values[k]);
    const axis = offset.map((_, i) => v[0] * basis[0][i] + v[1] * basis[1][i] + v[2] * basis[2][i]);
    close(alignment(pca.axes[k], axis), 1, 1e-9, `axis ${k}`);
  }
  // Projections: centred coordinates on those axes.
  const p = pca.project(rows[7]);
  const centred = rows[7].map((v, i) => v - pca.mean[i]);
  close(p[0], dot(centred, pca.axes[0]), 1e-9, 'project x');
  close(p[1], dot(centred, pca.axes[1]), 1e-9, 'project y');
});

test('noisy data: the two planted directions come back, up to sign', () => {
  const rng = new Rng(4);
  const d = 60;
  const [u1, u2] = orthonormal(d, 2, rng);
  const rows = Array.from({ length: 400 }, () => {
    const [a, b] = [6 * rng.normal(), 3 * rng.normal()];
    return u1.map((v, i) => a * v + b * u2[i] + 0.1 * rng.normal());
  });
  const pca = pca2d(rows.map((r) => Float32Array.from(r)));
  assert.ok(alignment(pca.axes[0], u1) > 0.999, `PC1 ${alignment(pca.axes[0], u1)}`);
  assert.ok(alignment(pca.axes[1], u2) > 0.999, `PC2 ${alignment(pca.axes[1], u2)}`);
  assert.ok(pca.explained[0] + pca.explained[1] > 0.98);
});

test('random anisotropic data: a true eigenpair, the variance maximizer, uncorrelated coordinates', () => {
  const rng = new Rng(5);
  const d = 30;
  const scales = Array.from({ length: d }, (_, j) => 1 + 4 * Math.exp(-j / 3));
  const mix = orthonormal(d, d, rng);
  const rows = Array.from({ length: 250 }, () => {
    const z = scales.map((s) => s * rng.normal());
    return mix.map((m) => dot(m, z) + 2);
  });
  const cov = covariance(rows);
  const total = cov.reduce((s, row, i) => s + row[i], 0);
  const pca = pca2d(rows);
  for (const k of [0, 1] as const) {
    const u = pca.axes[k];
    close(dot(u, u), 1, 1e-12, `axis ${k} norm`);
    const lambda = pca.explained[k] * total;
    const cu = cov.map((row) => dot(row, u));
    const residual = Math.sqrt(cu.reduce((s, v, i) => s + (v - lambda * u[i]) ** 2, 0));
    assert.ok(residual < 1e-8 * lambda, `axis ${k}: ‖Cu − λu‖ = ${residual}`);
  }
  close(dot(pca.axes[0], pca.axes[1]), 0, 1e-12, 'axes orthogonal');
  // The top eigenvalue by plain power iteration on the explicit covariance.
  let v = Array.from({ length: d }, (_, i) => 1 + i / d);
  for (let it = 0; it < 3000; it++) {
    const w = cov.map((row) => dot(row, v));
    const norm = Math.sqrt(dot(w, w));
    v = w.map((x) => x / norm);
  }
  const top = dot(
    v,
    cov.map((row) => dot(row, v)),
  );
  close(pca.explained[0], top / total, 1e-9, 'explained[0] vs power iteration');
  // No random direction has more variance than PC1.
  const projected = rows.map((r) => pca.project(r));
  const variance = (xs: number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  };
  const v1 = variance(projected.map((p) => p[0]));
  const v2 = variance(projected.map((p) => p[1]));
  close(v1 / total, pca.explained[0], 1e-9, 'var(PC1)');
  close(v2 / total, pca.explained[1], 1e-9, 'var(PC2)');
  for (const dir of orthonormal(d, 20, new Rng(6))) {
    const q = dot(
      dir,
      cov.map((row) => dot(row, dir)),
    );
    assert.ok(q <= v1 + 1e-9);
  }
  const m0 = projected.reduce((s, p) => s + p[0], 0) / projected.length;
  const m1 = projected.reduce((s, p) => s + p[1], 0) / projected.length;
  close(m0, 0, 1e-9, 'centred x');
  const covXY = projected.reduce((s, p) => s + (p[0] - m0) * (p[1] - m1), 0);
  close(covXY / (projected.length - 1) / total, 0, 1e-9, 'cov(PC1, PC2)');
});

test('deterministic and sign-normalized: negated data give the same axes, negated coordinates', () => {
  const rng = new Rng(7);
  const rows = Array.from({ length: 80 }, () => Array.from({ length: 12 }, () => rng.normal()));
  const a = pca2d(rows);
  const b = pca2d(rows);
  assert.deepEqual(a.axes, b.axes);
  assert.deepEqual(a.explained, b.explained);
  // The largest-magnitude entry of every axis is positive (10 axes: 1 in 1024 by chance).
  for (let seed = 0; seed < 5; seed++) {
    const r = new Rng(100 + seed);
    const data = Array.from({ length: 40 }, () => Array.from({ length: 9 }, () => r.normal()));
    for (const axis of pca2d(data).axes) {
      const largest = axis.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      assert.ok(largest > 0, `seed ${seed}: largest entry ${largest}`);
    }
  }
  const neg = pca2d(rows.map((r) => r.map((v) => -v)));
  for (const k of [0, 1]) {
    for (let i = 0; i < 12; i++) close(neg.axes[k][i], a.axes[k][i], 1e-9, `axis ${k}[${i}]`);
  }
  const [x, y] = neg.project(rows[3].map((v) => -v));
  const [x0, y0] = a.project(rows[3]);
  close(x, -x0, 1e-9, 'x');
  close(y, -y0, 1e-9, 'y');
});

test('degenerate input: identical points, one feature, bad rows', () => {
  const same = pca2d([
    [1, 2, 3],
    [1, 2, 3],
  ]);
  assert.deepEqual(same.explained, [0, 0]);
  assert.deepEqual(same.project([1, 2, 3]), [0, 0]);
  const line = pca2d([[1], [2], [4]]);
  assert.deepEqual(line.explained, [1, 0]);
  const [x, y] = line.project([3]);
  close(x, 3 - 7 / 3, 1e-12, 'x');
  assert.equal(y, 0);
  assert.throws(() => pca2d([]), /no points/);
  assert.throws(() => pca2d([[1, 2], [3]]), /row 1 has 1 features, expected 2/);
  assert.throws(() => pca2d([[1, Number.NaN]]), /feature 1 is NaN/);
});
