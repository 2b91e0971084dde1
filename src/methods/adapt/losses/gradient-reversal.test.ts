import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { gradientReversal } from './gradient-reversal.js';
import { randomMatrix } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

test('forward is the identity', () => {
  const data = randomMatrix(new Rng(1), 5, 3);
  const x = tf.tensor2d(data, [5, 3]);
  const y = gradientReversal(x, 0.7);
  assert.deepEqual(y.shape, [5, 3]);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(data));
  tf.dispose([x, y]);
});

test('the gradient is exactly −λ times the upstream gradient', () => {
  const rng = new Rng(2);
  const x = tf.tensor2d(randomMatrix(rng, 4, 6), [4, 6]);
  for (const lambda of [0, 0.1, 1, 2.5, -0.75]) {
    const u = randomMatrix(rng, 4, 6, 3);
    const ut = tf.tensor2d(u, [4, 6]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gradientReversal(v, lambda), ut)))(x);
    const got = g.dataSync();
    const scale = Math.fround(-lambda);
    for (let i = 0; i < u.length; i++) {
      // float32 × float32 is exact in float64, so fround gives the float32 product.
      assert.ok(got[i] === Math.fround(scale * u[i]!), `λ=${lambda} [${i}]: ${got[i]}`);
    }
    tf.dispose([ut, g]);
  }
  x.dispose();
});

test('reversal composes with the chain rule: d/dx Σ GRL(x)² = −2λx', () => {
  const data = randomMatrix(new Rng(3), 2, 5);
  const x = tf.tensor2d(data, [2, 5]);
  const lambda = 0.4;
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(gradientReversal(v, lambda))))(x);
  const got = g.dataSync();
  for (let i = 0; i < data.length; i++) {
    assert.ok(Math.abs(got[i]! + 2 * lambda * data[i]!) < 1e-6, `[${i}] ${got[i]}`);
  }
  tf.dispose([x, g]);
});

test('rejects a non-finite λ; no tensors leak', () => {
  const x = tf.ones([2, 2]);
  assert.throws(() => gradientReversal(x, Number.NaN), /lambda/);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    tf.grad((v: tf.Tensor) => tf.sum(gradientReversal(v, 1)))(x).dispose();
    gradientReversal(x, 1).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
