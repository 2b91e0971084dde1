import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { sampleBeta, sampleGamma } from './beta.js';

const N = 20000;

function moments(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

test('Beta(α, α): mean 1/2 and variance 1/(4(2α + 1)) within 5 standard errors', () => {
  for (const alpha of [0.2, 1]) {
    const rng = new Rng(2024).fork('beta', alpha * 10);
    const xs = Array.from({ length: N }, () => sampleBeta(rng, alpha, alpha));
    assert.ok(xs.every((x) => x >= 0 && x <= 1));
    const { mean, variance } = moments(xs);
    const v = 1 / (4 * (2 * alpha + 1));
    // Standard errors: sqrt(v/N) for the mean; for the variance, sqrt((μ4 − v²)/N) with
    // μ4 <= v/4, since (x − 1/2)² <= 1/4 on [0, 1].
    assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(v / N), `α=${alpha}: mean ${mean}`);
    const seVar = Math.sqrt((v / 4 - v * v) / N);
    assert.ok(Math.abs(variance - v) < 5 * seVar, `α=${alpha}: variance ${variance}, want ${v}`);
  }
});

test('Beta(1, 1) is uniform: empirical CDF within the Kolmogorov bound', () => {
  const rng = new Rng(9);
  const xs = Array.from({ length: N }, () => sampleBeta(rng, 1, 1)).sort((a, b) => a - b);
  let d = 0;
  xs.forEach((x, i) => {
    d = Math.max(d, Math.abs((i + 1) / N - x), Math.abs(i / N - x));
  });
  assert.ok(d < 1.95 / Math.sqrt(N), `KS distance ${d}`); // p ≈ 0.001
});

test('Beta(a, b) with a ≠ b has mean a/(a + b); Gamma(k) has mean and variance k', () => {
  const rng = new Rng(4);
  const xs = Array.from({ length: N }, () => sampleBeta(rng, 2, 5));
  const v = (2 * 5) / (7 * 7 * 8);
  assert.ok(Math.abs(moments(xs).mean - 2 / 7) < 5 * Math.sqrt(v / N));
  for (const k of [0.3, 2.5]) {
    const gs = Array.from({ length: N }, () => sampleGamma(rng, k));
    const { mean, variance } = moments(gs);
    assert.ok(Math.abs(mean - k) < 5 * Math.sqrt(k / N), `k=${k}: mean ${mean}`);
    // Var of the sample variance: (μ4 − k²)/N with μ4 = 3k² + 6k for Gamma(k, 1).
    const seVar = Math.sqrt((2 * k * k + 6 * k) / N);
    assert.ok(Math.abs(variance - k) < 6 * seVar, `k=${k}: variance ${variance}`);
  }
});

test('tiny α stays finite and inside [0, 1] (log-space gamma ratio)', () => {
  const rng = new Rng(1);
  for (let i = 0; i < 2000; i++) {
    const x = sampleBeta(rng, 0.01, 0.01);
    assert.ok(Number.isFinite(x) && x >= 0 && x <= 1, String(x));
  }
  assert.throws(() => sampleBeta(rng, 0, 0), /must be a number > 0/);
});

test('same seed, same draws; another seed, other draws', () => {
  const draw = (seed: number) => {
    const rng = new Rng(seed).fork('mix-batch', 3);
    return Array.from({ length: 50 }, () => sampleBeta(rng, 0.2, 0.2));
  };
  assert.deepEqual(draw(7), draw(7));
  assert.notDeepEqual(draw(7), draw(8));
});
