import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { constantOf, stopGradient } from './stop-gradient.js';
import { assertClose, randomMatrix } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

test('stopGradient keeps the values and blocks the gradient', () => {
  const data = randomMatrix(new Rng(1), 3, 4);
  const x = tf.tensor2d(data, [3, 4]);
  const same = stopGradient(x);
  assert.deepEqual(Array.from(same.dataSync()), Array.from(data));
  // d/dx Σ (x² + stop(x)·x) = 2x + x; without the stop it would be 4x.
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.square(v), tf.mul(stopGradient(v), v))))(x);
  assertClose(
    g.dataSync(),
    Array.from(data, (v) => 3 * v),
    1e-6,
  );
  tf.dispose([x, same, g]);
});

test('constantOf runs ops that have no gradient (TopK) without breaking tf.grad', () => {
  const x = tf.tensor1d([1, 5, 3, 4]);
  const top2 = (v: tf.Tensor) => tf.sum(tf.topk(v, 2).values);
  assert.throws(() => tf.grad((v: tf.Tensor) => tf.mul(top2(v), tf.sum(v)))(x), /gradient/);
  const before = tf.memory().numTensors;
  // f = Σx² + c·Σx with c = 5 + 4 held constant: gradient 2x + 9.
  const g = tf.grad((v: tf.Tensor) =>
    tf.add(tf.sum(tf.square(v)), tf.mul(constantOf(v, top2), tf.sum(v))),
  )(x);
  assert.deepEqual(Array.from(g.dataSync()), [11, 19, 15, 17]);
  g.dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
