import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { symmetricEigen } from './jacobi.js';

test('2×2: eigenvalues and vectors match the closed form', () => {
  const [a, b, c] = [4, 1.5, -2];
  const { values, vectors } = symmetricEigen([a, b, b, c], 2);
  const mid = (a + c) / 2;
  const r = Math.hypot((a - c) / 2, b);
  assert.ok(Math.abs(values[0] - (mid + r)) < 1e-12);
  assert.ok(Math.abs(values[1] - (mid - r)) < 1e-12);
  // (b, λ₁ − a) is an eigenvector of λ₁; compare directions up to sign.
  const u = [b, mid + r - a];
  const norm = Math.hypot(u[0], u[1]);
  const cos = (vectors[0] * u[0] + vectors[2] * u[1]) / norm;
  assert.ok(Math.abs(Math.abs(cos) - 1) < 1e-12, `cos ${cos}`);
});

test('random symmetric 7×7: A·V = V·Λ, V orthonormal, values descending', () => {
  const k = 7;
  const rng = new Rng(3);
  const a = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) a[i * k + j] = a[j * k + i] = rng.normal();
  }
  const { values, vectors } = symmetricEigen(a, k);
  for (let i = 1; i < k; i++) assert.ok(values[i] <= values[i - 1]);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < k; r++) {
      let av = 0;
      for (let p = 0; p < k; p++) av += a[r * k + p] * vectors[p * k + c];
      assert.ok(Math.abs(av - values[c] * vectors[r * k + c]) < 1e-10, `A·v${c} row ${r}`);
    }
    for (let c2 = 0; c2 < k; c2++) {
      let dot = 0;
      for (let p = 0; p < k; p++) dot += vectors[p * k + c] * vectors[p * k + c2];
      assert.ok(Math.abs(dot - (c === c2 ? 1 : 0)) < 1e-12);
    }
  }
  // The trace is the sum of the eigenvalues.
  let trace = 0;
  for (let i = 0; i < k; i++) trace += a[i * k + i];
  assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - trace) < 1e-12);
});
