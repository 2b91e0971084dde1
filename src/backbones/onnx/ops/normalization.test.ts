import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertOutput, normals, singleNodeModel, type TestAttribute } from '../test-graph.js';

test('BatchNormalization applies each channel its own statistics, with the given epsilon', async () => {
  await tf.setBackend('cpu');
  const dims = [2, 4, 3, 3];
  const [n, c, h, w] = dims;
  const x = normals(n * c * h * w, 31);
  const [scale, bias, mean] = [32, 33, 34].map((seed) => normals(c, seed));
  // Small variances, so epsilon matters.
  const variance = normals(c, 35).map((v) => 0.01 + 0.005 * Math.abs(v));
  const stats = { scale, bias, mean, variance };
  const initializers = Object.entries(stats).map(([name, values]) => ({ name, dims: [c], values }));
  for (const epsilon of [undefined, 1e-2]) {
    const attrs: Record<string, TestAttribute> =
      epsilon === undefined ? {} : { epsilon: { float: epsilon } };
    const bytes = singleNodeModel('BatchNormalization', dims, attrs, initializers);
    const eps = epsilon ?? 1e-5;
    const want = x.map((v, i) => {
      const k = Math.floor(i / (h * w)) % c;
      return ((v - mean[k]) / Math.sqrt(variance[k] + eps)) * scale[k] + bias[k];
    });
    assertOutput(`epsilon ${epsilon}`, bytes, { x, dims }, { y: want, shape: dims }, 1e-4);
  }
});
