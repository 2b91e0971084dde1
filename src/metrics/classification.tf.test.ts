// The tie rules claimed in classification.ts (lowest index wins for argmax and top-k) checked
// against TF.js itself, so `eval` and `predict` cannot disagree about which class was chosen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.js';
import { classificationMetrics } from './classification.js';

test('accuracy and top-k agree with tf.argMax / tf.topk on tie-heavy inputs (cpu backend)', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng('tf-ties');
  const n = 400;
  const C = 6;
  const probs = new Float32Array(n * C);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Values from three levels, so most rows have ties at the top.
    const row = Array.from({ length: C }, () => 1 + rng.int(3));
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((v, j) => {
      probs[i * C + j] = v / sum;
    });
    labels[i] = rng.int(C);
  }
  const ks = [1, 2, 3, 4];
  const m = classificationMetrics(probs, labels, C, { topK: ks });

  const x = tf.tensor2d(probs, [n, C]);
  const argMax = await x.argMax(1).data();
  let correct = 0;
  for (let i = 0; i < n; i++) if (argMax[i] === labels[i]) correct++;
  assert.equal(m.accuracy, correct / n);
  for (const k of ks) {
    const { indices } = tf.topk(x, k);
    const idx = await indices.data();
    let hits = 0;
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < k; t++) if (idx[i * k + t] === labels[i]) hits++;
    }
    assert.equal(m.topK[k], hits / n, `top-${k}`);
  }
  tf.disposeVariables();
  x.dispose();
});
