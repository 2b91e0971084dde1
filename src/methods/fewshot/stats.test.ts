import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { formatMeanCI, meanCI } from './stats.js';

test('meanCI: mean and 1.96 s/√n against a two-pass float64 reference on random accuracies', () => {
  const rng = new Rng(5);
  const values = Array.from({ length: 600 }, () => rng.int(76) / 75);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const s = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  const m = meanCI(values);
  assert.ok(Math.abs(m.mean - mean) < 1e-12);
  assert.ok(Math.abs(m.ci95 - (1.96 * s) / Math.sqrt(600)) < 1e-12);
  assert.equal(m.n, 600);
});

test('meanCI: a known small case and the edge cases', () => {
  // 0.5, 0.7, 0.9: mean 0.7, s = 0.2, ci = 1.96 · 0.2 / √3
  const m = meanCI([0.5, 0.7, 0.9]);
  assert.ok(Math.abs(m.mean - 0.7) < 1e-12);
  assert.ok(Math.abs(m.ci95 - (1.96 * 0.2) / Math.sqrt(3)) < 1e-12);
  assert.equal(formatMeanCI(m), '70.0 ± 22.6%');
  assert.equal(meanCI([0.4]).ci95, 0);
  assert.ok(Number.isNaN(meanCI([]).mean));
});
