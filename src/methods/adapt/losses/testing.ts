// Test support for the adaptation losses: seeded float32 data (the references read the same
// float32 values in float64) and tolerance checks. Tests only; index.ts does not export it.
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../../util/rng.js';

/** A row-major [rows, cols] matrix: scale·N(0, 1) + shift, rounded to float32. */
export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1, shift = 0) {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = scale * rng.normal() + shift;
  return data;
}

/** Row-major data as number[][] (float64 from here on). */
export function rows(data: ArrayLike<number>, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => data[i * d + j]!));
}

/** |actual − expected| ≤ tol·(1 + |expected|) elementwise. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    assert.ok(err <= tol * (1 + Math.abs(expected[i]!)), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

/** |actual − expected| ≤ rel·|expected|. */
export function assertRelative(actual: number, expected: number, rel: number, what = '') {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `${what} ${actual} vs ${expected} (relative error ${Math.abs(actual - expected) / Math.abs(expected)})`,
  );
}

/** The single value of a scalar tensor, which is then disposed. */
export function take(t: tf.Tensor): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/** Rows of softmax(3·N(0,1)) in float32; every third row has its even-numbered classes at exactly 0. */
export function randomProbs(rng: Rng, n: number, c: number): Float32Array {
  const z = randomMatrix(rng, n, c, 3);
  const p = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) {
      const e = i % 3 === 0 && k % 2 === 0 ? 0 : Math.exp(z[i * c + k]!);
      p[i * c + k] = e;
      s += e;
    }
    for (let k = 0; k < c; k++) p[i * c + k]! /= s;
  }
  return p;
}
