// The direct tape saves of tape-saves.ts: a training step on torch records no Identity kernels
// and leaks nothing; gradients (first and second order, where the nested tape keeps tfjs's own
// clone) still match the cpu backend; a saved tensor outlives its source's disposal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { agree, F, skip } from './test-support.js';

const f = (a: tf.Tensor) => tf.sigmoid(a).mul(a).mul(a).sum();

test('tape saves on torch: gradients match cpu, first and second order', { skip }, () => {
  agree('first order', [F([3, 5])], (x) => tf.grad(f)(x!));
  agree('second order (nested tapes)', [F([3, 5])], (x) =>
    tf.grad((a: tf.Tensor) => tf.grad(f)(a).square().sum())(x!),
  );
  agree('gradient of a saved tensor whose source was disposed', [F([4, 4])], (x) =>
    tf.grad((a: tf.Tensor) => {
      const t = a.mul(2);
      const y = tf.exp(t); // saves its output (and tfjs keeps a clone of it)
      const out = y.sum();
      t.dispose();
      return out;
    })(x!),
  );
});

test('a training step on torch records no Identity kernels and leaks nothing', {
  skip,
}, async () => {
  await tf.setBackend('torch');
  const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 1));
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 2);
  const optimizer = tf.train.sgd(0.1);
  const step = () =>
    optimizer.minimize(
      () =>
        tf
          .relu6(tf.conv2d(x as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 1, 'same'))
          .square()
          .mean(),
      false,
      [w],
    );
  step();
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => {
    step();
  });
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  const names = info.kernels.map((k) => k.name);
  assert.ok(names.includes('Conv2D'), `the step ran (${names.join(', ')})`);
  assert.ok(!names.includes('Identity'), `no Identity clones (${names.join(', ')})`);
  tf.dispose([w, x]);
});
