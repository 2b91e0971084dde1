import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { maskedSigmoidBce, maskedSoftmaxCrossEntropy } from './classification-losses.js';

const value = async (t: tf.Tensor) => (await t.data())[0];
const near = (a: number, b: number, what: string, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) < tol, `${what}: ${a} vs ${b}`);

test('softmax CE: mean over the present images, absent rows get no gradient', async () => {
  await tf.setBackend('cpu');
  const logits = tf.tensor2d([
    [0, 0],
    [2, 0],
    [0, 1],
  ]);
  // Image 0: ln 2; image 1 (class 1): ln(1 + e²); image 2 absent (label −1 is never read).
  const f = (x: tf.Tensor) => maskedSoftmaxCrossEntropy(x, [0, 1, -1], [1, 1, 0]);
  near(await value(f(logits)), (Math.LN2 + Math.log(1 + Math.E ** 2)) / 2, 'loss');
  const grad = await tf.grad(f)(logits).array();
  // d/dx = (softmax − onehot) / 2 on present rows, 0 on the absent one.
  const s = 1 / (1 + Math.E ** -2);
  const want = [
    [-0.25, 0.25],
    [s / 2, (1 - s) / 2 - 0.5],
    [0, 0],
  ];
  for (const [i, row] of (grad as number[][]).entries())
    for (const [j, g] of row.entries()) near(g, want[i][j], `grad[${i}][${j}]`);
  // Everyone present: tf.losses.softmaxCrossEntropy (what the classification trainers use).
  const all = maskedSoftmaxCrossEntropy(logits, [0, 1, 1], [1, 1, 1]);
  const single = tf.losses.softmaxCrossEntropy(tf.oneHot([0, 1, 1], 2), logits);
  near(await value(all), await value(single), 'all present = single-task');
  // Nobody present: 0, with zero (not missing) gradients.
  const none = (x: tf.Tensor) => maskedSoftmaxCrossEntropy(x, [-1, -1, -1], [0, 0, 0]);
  assert.equal(await value(none(logits)), 0);
  assert.ok(Array.from(await tf.grad(none)(logits).data()).every((g) => g === 0));
});

test('sigmoid BCE: per-class mean, gradient sigmoid(x) − y exactly (also at x = 0)', async () => {
  await tf.setBackend('cpu');
  const logits = tf.tensor2d([
    [0, 2],
    [-1, 3],
    [50, -50],
  ]);
  const targets = [1, 0, 0, 1, 0.25, 1];
  const softplus = (x: number) => Math.log1p(Math.exp(x));
  // Image 1 absent; image 0: (softplus(0) − 0 + softplus(2)) / 2; image 2 (soft target 0.25 at
  // x = 50, target 1 at x = −50): (softplus(50) − 12.5 + softplus(−50) + 50) / 2.
  const f = (x: tf.Tensor) => maskedSigmoidBce(x, targets, [1, 0, 1]);
  const want = ((softplus(0) + softplus(2)) / 2 + (50 - 12.5 + 50) / 2) / 2;
  near(await value(f(logits)), want, 'loss', 1e-4);
  const grad = (await tf.grad(f)(logits).array()) as number[][];
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const wantGrad = [
    [(sig(0) - 1) / 4, sig(2) / 4],
    [0, 0],
    [(1 - 0.25) / 4, (0 - 1) / 4],
  ];
  for (const [i, row] of grad.entries())
    for (const [j, g] of row.entries()) near(g, wantGrad[i][j], `grad[${i}][${j}]`);
  // Everyone present: tf.losses.sigmoidCrossEntropy's mean over all elements.
  const hard = [1, 0, 0, 1, 0, 1];
  const small = tf.tensor2d([
    [0.3, -2],
    [1.5, 0.7],
    [-0.4, 4],
  ]);
  near(
    await value(maskedSigmoidBce(small, hard, [1, 1, 1])),
    await value(tf.losses.sigmoidCrossEntropy(tf.tensor2d(hard, [3, 2]), small)),
    'all present = single-task',
  );
  const none = (x: tf.Tensor) => maskedSigmoidBce(x, [9, 9, 9, 9, 9, 9], [0, 0, 0]);
  assert.equal(await value(none(small)), 0);
  assert.ok(Array.from(await tf.grad(none)(small).data()).every((g) => g === 0));
});

test('bad labels of present images are refused by name; absent ones are not read', () => {
  const logits = tf.zeros([2, 3]);
  assert.throws(
    () => maskedSoftmaxCrossEntropy(logits, [0, 3], [1, 1]),
    /label 3 of image 1 is not a class in \[0, 3\)/,
  );
  assert.doesNotThrow(() => maskedSoftmaxCrossEntropy(logits, [0, 3], [1, 0]));
  assert.throws(
    () => maskedSigmoidBce(logits, [0, 1, 0, 0, 2, 0], [1, 1]),
    /target 2 of image 1, class 1 is not in \[0, 1\]/,
  );
  assert.throws(() => maskedSigmoidBce(logits, [0, 1], [1, 1]), /not both \[B, C\]/);
  assert.throws(
    () => maskedSoftmaxCrossEntropy(logits, [0, 1], [1]),
    /presence mask: 1 flags for a batch of 2/,
  );
});
