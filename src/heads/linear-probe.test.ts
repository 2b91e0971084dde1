import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.js';
import { fitLinearProbe, linearProbeLayer } from './linear-probe.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** Random 3-class data with features on different scales and offsets. */
function data(n: number, dim: number, seed: number) {
  const rng = new Rng(seed);
  const rand = () => rng.next();
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const signal = j < 3 && labels[i] === j ? 1.5 : 0;
      x[i * dim + j] = (signal + (rand() - 0.5) * 2) * 10 ** (j % 3) + 5 * j;
    }
  }
  return { x, labels };
}

test('the fitted probe is a stationary point of the regularized objective (float64 check)', () => {
  const dim = 6;
  const classes = 3;
  const { x, labels } = data(90, dim, 1);
  const wd = 1e-2;
  const fit = fitLinearProbe(x, labels, classes, {
    weightDecay: wd,
    steps: 2000,
    learningRate: 0.05,
  });
  const n = labels.length;
  // Independent float64 reference: recover the standardized-space weights and evaluate the gradient.
  const mean = Array.from({ length: dim }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * dim + j];
    return s / n;
  });
  const std = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (x[i * dim + j] - m) ** 2;
    return Math.sqrt(s / n);
  });
  const w = Array.from({ length: dim }, (_, j) =>
    Array.from({ length: classes }, (_, c) => fit.kernel[j * classes + c] * std[j]),
  );
  const b = Array.from(
    { length: classes },
    (_, c) => fit.bias[c] + mean.reduce((a, m, j) => a + (m / std[j]) * w[j][c], 0),
  );
  const gw = w.map((row) => row.map(() => 0));
  const gb = b.map(() => 0);
  for (let i = 0; i < n; i++) {
    const z = mean.map((m, j) => (x[i * dim + j] - m) / std[j]);
    const logits = b.map((bc, c) => bc + z.reduce((a, v, j) => a + v * w[j][c], 0));
    const top = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - top));
    const total = e.reduce((a, v) => a + v, 0);
    for (let c = 0; c < classes; c++) {
      const d = e[c] / total - (labels[i] === c ? 1 : 0);
      gb[c] += d / n;
      for (let j = 0; j < dim; j++) gw[j][c] += (d * z[j]) / n;
    }
  }
  const gradNorm = Math.sqrt(
    gw.flat().reduce((a, g, k) => a + (g + 2 * wd * w.flat()[k]) ** 2, 0) +
      gb.reduce((a, g) => a + g * g, 0),
  );
  assert.ok(gradNorm < 1e-4, `gradient norm at the fit ${gradNorm}`);
  assert.ok(Number.isFinite(fit.finalLoss));
});

test('the folded dense layer classifies raw embeddings; separable data is learned', () => {
  const dim = 6;
  const { x, labels } = data(60, dim, 2);
  const fit = fitLinearProbe(x, labels, 3, { weightDecay: 1e-4, steps: 500, learningRate: 0.05 });
  const logits = linearProbeLayer(fit).apply(tf.tensor2d(x, [labels.length, dim])) as tf.Tensor2D;
  const predicted = Array.from(logits.argMax(1).dataSync());
  const correct = predicted.filter((p, i) => p === labels[i]).length;
  assert.ok(correct / labels.length > 0.9, `train accuracy ${correct / labels.length}`);
});

test('labels outside the class range are rejected', () => {
  assert.throws(
    () => fitLinearProbe(Float32Array.from([1, 2]), Int32Array.from([3]), 2),
    /outside 0\.\.1/,
  );
});
