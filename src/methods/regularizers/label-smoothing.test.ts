import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { smoothedCrossEntropy, softCrossEntropy, softTargets } from './label-smoothing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    assert.ok(err <= tol * (1 + Math.abs(expected[i]!)), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

/** Float64 log-softmax of one row, shifted by the row max. */
function logSoftmaxRow(z: number[]): number[] {
  const m = Math.max(...z);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return z.map((v) => v - lse);
}

function rows(data: ArrayLike<number>, n: number, c: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, j) => data[i * c + j]!));
}

/** Random logits (some rows far from 0, to exercise stability) and random soft targets. */
function randomCase(seed: number, n: number, c: number) {
  const rng = new Rng(seed);
  const logits = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const offset = i === 0 ? 1000 : i === 1 ? -800 : 0;
    const spread = i === 2 ? 60 : 3;
    for (let j = 0; j < c; j++) logits[i * c + j] = offset + spread * rng.normal();
  }
  const targets = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += targets[i * c + j] = rng.next() ** 2;
    for (let j = 0; j < c; j++) targets[i * c + j]! /= s;
  }
  return { logits, targets };
}

test('softTargets is (1 − ε)·onehot + ε/C, rows summing to 1', () => {
  const rng = new Rng(3);
  const C = 7;
  const labels = Int32Array.from({ length: 9 }, () => rng.int(C));
  for (const eps of [0, 0.1, 0.3, 1]) {
    const got = softTargets(labels, C, eps);
    const want: number[] = [];
    for (const y of labels)
      for (let c = 0; c < C; c++) want.push((1 - eps) * (c === y ? 1 : 0) + eps / C);
    assert.deepEqual(got.shape, [labels.length, C]);
    assertClose(got.dataSync(), want, 1e-7);
    got.dispose();
  }
  assert.throws(() => softTargets([0, -1], 3, 0.1), /label -1 at position 1/);
  assert.throws(() => softTargets([3], 3, 0.1), /label 3/);
  assert.throws(() => softTargets([0], 3, 1.5), /smoothing/);
});

test('softCrossEntropy value and gradient match float64 references, even for large logits', () => {
  const n = 6;
  const C = 5;
  const { logits, targets } = randomCase(11, n, C);
  const z = rows(logits, n, C);
  const t = rows(targets, n, C);
  let want = 0;
  const wantGrad: number[] = [];
  for (let i = 0; i < n; i++) {
    const ls = logSoftmaxRow(z[i]!);
    for (let c = 0; c < C; c++) want -= (t[i]![c]! * ls[c]!) / n;
    for (let c = 0; c < C; c++) wantGrad.push((Math.exp(ls[c]!) - t[i]![c]!) / n);
  }
  const zt = tf.tensor2d(logits, [n, C]);
  const tt = tf.tensor2d(targets, [n, C]);
  const value = softCrossEntropy(zt, tt);
  assert.ok(Number.isFinite(value.dataSync()[0]!));
  assertClose(value.dataSync(), [want], 1e-5);
  const grad = tf.grad((x: tf.Tensor) => softCrossEntropy(x as tf.Tensor2D, tt))(zt);
  for (let i = 0; i < n * C; i++) {
    assert.ok(Math.abs(grad.dataSync()[i]! - wantGrad[i]!) < 1e-6, `grad[${i}]`);
  }
  tf.dispose([zt, tt, value, grad]);
  assert.throws(() => softCrossEntropy(tf.zeros([2, 3]), tf.zeros([2, 4])), /must both be/);
});

test('smoothedCrossEntropy equals the float64 smoothed loss on hard labels', () => {
  const n = 8;
  const C = 4;
  const eps = 0.1;
  const { logits } = randomCase(5, n, C);
  const rng = new Rng(6);
  const labels = Int32Array.from({ length: n }, () => rng.int(C));
  let want = 0;
  rows(logits, n, C).forEach((row, i) => {
    const ls = logSoftmaxRow(row);
    for (let c = 0; c < C; c++)
      want -= ((c === labels[i] ? 1 - eps + eps / C : eps / C) * ls[c]!) / n;
  });
  const zt = tf.tensor2d(logits, [n, C]);
  const got = smoothedCrossEntropy(zt, labels, eps);
  assertClose(got.dataSync(), [want], 1e-5);
  tf.dispose([zt, got]);
});

test('no tensors leak', () => {
  const { logits, targets } = randomCase(1, 4, 3);
  const zt = tf.tensor2d(logits, [4, 3]);
  const tt = tf.tensor2d(targets, [4, 3]);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    tf.tidy(() => {
      softCrossEntropy(zt, tt);
      smoothedCrossEntropy(zt, [0, 1, 2, 0], 0.2);
      tf.grad((x: tf.Tensor) => softCrossEntropy(x as tf.Tensor2D, tt))(zt);
    });
    softCrossEntropy(zt, tt).dispose();
    softTargets([1, 2], 3, 0.1).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([zt, tt]);
});
