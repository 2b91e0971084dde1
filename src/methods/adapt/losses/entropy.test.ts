import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { entropy, meanEntropy } from './entropy.js';
import { assertClose, assertRelative, randomProbs, take } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** Float64 −Σ p log p per row, 0·log 0 = 0. */
function refEntropy(p: Float32Array, n: number, c: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let h = 0;
    for (let k = 0; k < c; k++) {
      const v = p[i * c + k]!;
      if (v > 0) h -= v * Math.log(v);
    }
    return h;
  });
}

test('per-sample and mean entropy match float64, zeros included', () => {
  const n = 9;
  const c = 6;
  const p = randomProbs(new Rng(1), n, c);
  assert.ok(p.includes(0));
  const want = refEntropy(p, n, c);
  const pt = tf.tensor2d(p, [n, c]);
  const h = entropy(pt);
  assertClose(h.dataSync(), want, 1e-5);
  assertRelative(take(meanEntropy(pt)), want.reduce((a, b) => a + b) / n, 1e-5);
  tf.dispose([pt, h]);
});

test('uniform rows have entropy log c, one-hot rows 0', () => {
  const c = 5;
  const uniform = tf.fill([3, c], 1 / c) as tf.Tensor2D;
  const oneHot = tf.oneHot([0, 4, 2], c).toFloat() as tf.Tensor2D;
  assertClose(entropy(uniform).dataSync(), [Math.log(c), Math.log(c), Math.log(c)], 1e-6);
  assertClose(entropy(oneHot).dataSync(), [0, 0, 0], 1e-7);
  tf.dispose([uniform, oneHot]);
});

test('gradient is −(log p + 1)/n where p > 0 and finite where p = 0', () => {
  const n = 6;
  const c = 4;
  const p = randomProbs(new Rng(2), n, c);
  const pt = tf.tensor2d(p, [n, c]);
  const g = tf.grad((x: tf.Tensor) => meanEntropy(x as tf.Tensor2D))(pt);
  const got = g.dataSync();
  assert.ok(got.every(Number.isFinite));
  for (let i = 0; i < p.length; i++) {
    if (p[i]! > 0) {
      const want = -(Math.log(p[i]!) + 1) / n;
      assert.ok(Math.abs(got[i]! - want) < 1e-5 * (1 + Math.abs(want)), `[${i}] ${got[i]}`);
    }
  }
  tf.dispose([pt, g]);
});

test('no tensors leak; rank is checked', () => {
  const pt = tf.tensor2d(randomProbs(new Rng(3), 4, 3), [4, 3]);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    meanEntropy(pt).dispose();
    entropy(pt).dispose();
    tf.grad((x: tf.Tensor) => meanEntropy(x as tf.Tensor2D))(pt).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  const flat = tf.ones([3]) as unknown as tf.Tensor2D;
  assert.throws(() => entropy(flat), /\[n, classes\]/);
  tf.dispose([pt, flat]);
});
