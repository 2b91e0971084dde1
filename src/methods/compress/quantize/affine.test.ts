// Affine range choice: 0.0 decodes exactly whenever the range holds it; edge ranges stay exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { affineParams, quantizeAffine } from './affine.js';

const decode = (q: number, p: { scale: number; min: number }) => Math.fround(q * p.scale + p.min);

test('0 has an exact code for any range that holds it', () => {
  let state = 99;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let trial = 0; trial < 2000; trial++) {
    const lo = -Math.fround(rand() * 10 ** (rand() * 6 - 4));
    const hi = Math.fround(rand() * 10 ** (rand() * 6 - 4));
    for (const levels of [255, 65535]) {
      const p = affineParams(lo, hi, levels);
      // The code quantizing 0 picks; min is a whole number of steps below 0.
      const zero = Math.round(-p.min / p.scale);
      assert.ok(Math.abs(-p.min / p.scale - zero) < 1e-6 && zero >= 0 && zero <= levels);
      assert.ok(Object.is(decode(zero, p), 0), `${lo}..${hi}: 0 decodes to ${decode(zero, p)}`);
      // The nudge moves the ends by at most half a step.
      assert.ok(p.min <= lo + p.scale / 2 && p.min + levels * p.scale >= hi - p.scale / 2);
    }
  }
});

test('constant, all-zero, one-signed and empty tensors', () => {
  const constant = quantizeAffine(new Float32Array([0.3, 0.3, 0.3]), 'uint8');
  assert.equal(constant.maxAbsError, 0);
  assert.deepEqual([...constant.codes], [0, 0, 0]);
  assert.equal(decode(0, constant), Math.fround(0.3));

  assert.equal(quantizeAffine(new Float32Array(4), 'uint16').maxAbsError, 0);
  assert.equal(quantizeAffine(new Float32Array(0), 'uint8').codes.length, 0);

  // All positive: the range starts at the smallest value, not at 0, keeping the resolution.
  const positive = quantizeAffine(new Float32Array([1, 1.5, 2]), 'uint8');
  assert.equal(positive.min, 1);
  assert.equal(positive.scale, 1 / 255);
  assert.deepEqual([...positive.codes], [0, 128, 255]);
  assert.ok(positive.maxAbsError <= positive.scale / 2);

  assert.throws(() => quantizeAffine(new Float32Array([1, Number.NaN]), 'uint8'), /non-finite/);
});

test('stochastic rounding is unbiased, within one step, seeded, and keeps zeros exact', () => {
  // Weights 0.3 of a step above grid points of [-1, 1]: nearest rounding moves every one of them
  // back down by 0.3 step; stochastic rounding moves 30% up, so their mean stays put.
  const levels = 255;
  const { scale, min } = affineParams(-1, 1, levels);
  const n = 20_000;
  const values = new Float32Array(n + 3);
  const rng = new Rng(4);
  for (let i = 0; i < n; i++) values[i] = Math.fround(min + (1 + rng.int(250) + 0.3) * scale);
  values.set([-1, 1, 0], n);
  const nearest = quantizeAffine(values, 'uint8');
  const stochastic = quantizeAffine(values, 'uint8', new Rng(1));
  const decode = (q: number) => q * stochastic.scale + stochastic.min;
  let nearestBias = 0;
  let stochasticBias = 0;
  for (let i = 0; i < n; i++) {
    nearestBias += (decode(nearest.codes[i]) - values[i]) / n;
    stochasticBias += (decode(stochastic.codes[i]) - values[i]) / n;
  }
  assert.ok(
    Math.abs(nearestBias + 0.3 * scale) < 0.01 * scale,
    `nearest bias ${nearestBias / scale} steps`,
  );
  // 20,000 Bernoulli(0.3) draws: the standard error of the mean is 0.0032 step.
  assert.ok(
    Math.abs(stochasticBias) < 0.02 * scale,
    `stochastic bias ${stochasticBias / scale} steps`,
  );
  assert.ok(stochastic.maxAbsError < scale * 1.0001);
  assert.equal(decode(stochastic.codes[n + 2]), 0, 'zero stays exactly zero');
  assert.deepEqual(quantizeAffine(values, 'uint8', new Rng(1)).codes, stochastic.codes, 'seeded');
  assert.notDeepEqual(quantizeAffine(values, 'uint8', new Rng(2)).codes, stochastic.codes);
});
