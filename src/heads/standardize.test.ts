import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { featureStatistics, STD_FLOOR } from './standardize.js';

/** Column by column in plain float64 arithmetic, written independently of the implementation. */
function reference(features: Float32Array, dim: number) {
  const n = features.length / dim;
  const columns = Array.from({ length: dim }, (_, j) =>
    Array.from({ length: n }, (_, i) => features[i * dim + j]),
  );
  const mean = columns.map((c) => c.reduce((a, v) => a + v, 0) / n);
  const spread = columns.map((c, j) =>
    Math.sqrt(c.reduce((a, v) => a + (v - mean[j]) ** 2, 0) / n),
  );
  const constant = columns.map((c) => c.every((v) => v === c[0]));
  const varying = spread.filter((_, j) => !constant[j]).sort((a, b) => a - b);
  // An odd number of varying columns below, so the median is the middle one.
  const median = varying[(varying.length - 1) / 2];
  return {
    mean,
    std: spread.map((s, j) => (constant[j] ? 1 : Math.max(s, STD_FLOOR * median))),
    constant,
    floor: STD_FLOOR * median,
  };
}

/** Columns on scales 1e-2..1e2, two constant ones (one far from 0), one constant up to 1e-7
 * jitter, one with a small spread on a large mean. */
function columns(n: number, seed: number) {
  const rng = new Rng(seed);
  const makers: (() => number)[] = [
    ...[-2, -1, 0, 1, 2].map((k) => () => 10 ** k * rng.normal() + 5),
    () => 1234.5678,
    () => 0,
    () => 3 + 1e-7 * rng.normal(),
    () => 1e4 + 0.5 * rng.normal(),
  ];
  const dim = makers.length;
  const features = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) features[i * dim + j] = makers[j]!();
  return { features, dim };
}

test('feature statistics match a float64 reference on random columns, constant ones included', () => {
  for (const seed of [1, 2, 3]) {
    const { features, dim } = columns(40, seed);
    const got = featureStatistics(features, dim);
    const want = reference(features, dim);
    for (let j = 0; j < dim; j++) {
      const at = `seed ${seed}, column ${j}`;
      assert.ok(Math.abs(got.mean[j]! - want.mean[j]!) <= 1e-12 * Math.abs(want.mean[j]!), at);
      assert.ok(Math.abs(got.std[j]! - want.std[j]!) <= 1e-9 * want.std[j]!, at);
    }
    assert.deepEqual(want.constant.slice(5, 7), [true, true], 'the constant columns');
    assert.equal(got.std[5], 1);
    assert.equal(got.std[6], 1);
    // Rounding jitter is lifted to the floor; the large-mean column keeps its own spread.
    assert.equal(got.std[7], want.floor);
    assert.ok(Math.abs(got.std[8]! - 0.5) < 0.2, `std ${got.std[8]} of a 0.5-spread column`);
  }
});

test('a new value of a training-constant feature stays of its own size after standardizing', () => {
  const { features, dim } = columns(40, 4);
  const { mean, std } = featureStatistics(features, dim);
  const { floor } = reference(features, dim);
  // The constant column moves by 1 on a new image, the jittery one (spread 1e-7) by 0.01: one
  // standardized unit, and at most 0.01 / floor (it used to be 0.01 / 1e-7 = 1e5).
  assert.equal((mean[5]! + 1 - mean[5]!) / std[5]!, 1);
  const jitter = (mean[7]! + 0.01 - mean[7]!) / std[7]!;
  assert.ok(jitter <= (0.01 / floor) * (1 + 1e-9) && jitter < 10, `standardized ${jitter}`);
});

test('all features constant (a single image): every std is 1', () => {
  const row = Float32Array.from([0, 2.5, -7, 1e6]);
  assert.deepEqual(featureStatistics(row, 4), { mean: [0, 2.5, -7, 1e6], std: [1, 1, 1, 1] });
});
