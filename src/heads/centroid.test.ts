import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.js';
import { centroidLayer, fitCentroids } from './centroid.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** The definition, in float64: nearest class mean after per-feature standardization. */
function centroidDistances(
  train: number[][],
  labels: number[],
  classes: number,
  query: number[],
): number[] {
  const dim = query.length;
  const mean = Array.from(
    { length: dim },
    (_, j) => train.reduce((a, r) => a + r[j], 0) / train.length,
  );
  const std = mean.map(
    (m, j) => Math.sqrt(train.reduce((a, r) => a + (r[j] - m) ** 2, 0) / train.length) || 1,
  );
  const z = (r: number[]) => r.map((v, j) => (v - mean[j]) / std[j]);
  return Array.from({ length: classes }, (_, c) => {
    const rows = train.filter((_, i) => labels[i] === c).map(z);
    const mu = mean.map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
    return z(query).reduce((a, v, j) => a + (v - mu[j]) ** 2, 0);
  });
}

test('the dense head predicts the nearest standardized class mean on random data', () => {
  const rng = new Rng(42);
  const rand = () => rng.next();
  const dim = 7;
  const classes = 4;
  const n = 60;
  // Features on very different scales, so standardization matters.
  const scale = Array.from({ length: dim }, (_, j) => 10 ** (j - 3));
  const train = Array.from({ length: n }, () => scale.map((s) => (rand() * 2 - 1) * s));
  const labels = train.map((_, i) => i % classes);
  const fit = fitCentroids(Float32Array.from(train.flat()), Int32Array.from(labels), classes);
  const layer = centroidLayer(fit);
  const queries = Array.from({ length: 40 }, () => scale.map((s) => (rand() * 2 - 1) * s));
  const logits = layer.apply(tf.tensor2d(queries)) as tf.Tensor2D;
  const got = logits.arraySync();
  queries.forEach((q, i) => {
    const dist = centroidDistances(train, labels, classes, q);
    const nearest = dist.indexOf(Math.min(...dist));
    assert.equal(got[i].indexOf(Math.max(...got[i])), nearest, `query ${i}`);
    // Logits are -||z - mu_c||² plus a per-sample constant: class differences must agree.
    for (let c = 1; c < classes; c++) {
      const want = dist[0] - dist[c];
      const have = got[i][c] - got[i][0];
      assert.ok(
        Math.abs(have - want) <= 1e-3 * Math.max(1, Math.abs(want)),
        `query ${i} class ${c}: ${have} vs ${want}`,
      );
    }
  });
});

test('a class without samples is never predicted', () => {
  const emb = Float32Array.from([0, 0, 1, 1, 0, 1]);
  const fit = fitCentroids(emb, Int32Array.from([0, 0, 2]), 3);
  const logits = centroidLayer(fit).apply(tf.tensor2d([[0.5, 0.5]])) as tf.Tensor;
  assert.notEqual(logits.argMax(1).dataSync()[0], 1);
});

test('labels out of range are rejected', () => {
  assert.throws(
    () => fitCentroids(Float32Array.from([1, 2]), Int32Array.from([5]), 2),
    /outside 0\.\.1/,
  );
});
