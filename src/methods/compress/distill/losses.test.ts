// The distillation losses against float64 references on random logits, and the gradient that
// makes the T² factor matter: d(T²·KL)/dz_s = T · (softmax(z_s/T) − softmax(z_t/T)) / rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { distillationLoss, hintLoss, hintonLoss, labelCrossEntropy } from './losses.js';

await tf.setBackend('cpu');

const rng = new Rng(11);
const randn = (n: number, scale = 3) => Array.from({ length: n }, () => rng.normal() * scale);

function softmax64(z: number[], t: number): number[] {
  const m = Math.max(...z.map((v) => v / t));
  const e = z.map((v) => Math.exp(v / t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const rows = 5;
const classes = 7;
const zs = randn(rows * classes);
const zt = randn(rows * classes);
const row = (z: number[], i: number) => z.slice(i * classes, (i + 1) * classes);

function kl64(t: number): number {
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const pt = softmax64(row(zt, i), t);
    const ps = softmax64(row(zs, i), t);
    total += pt.reduce((acc, p, c) => acc + p * (Math.log(p) - Math.log(ps[c])), 0);
  }
  return (t * t * total) / rows;
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('distillationLoss is T² · mean KL(teacher ‖ student) at temperature T', () => {
  for (const t of [1, 4, 10]) {
    const got = distillationLoss(
      tf.tensor2d(zs, [rows, classes]),
      tf.tensor2d(zt, [rows, classes]),
      t,
    );
    close(got.dataSync()[0], kl64(t), 1e-5, `T=${t}`);
  }
  const same = distillationLoss(
    tf.tensor2d(zt, [rows, classes]),
    tf.tensor2d(zt, [rows, classes]),
    4,
  );
  close(same.dataSync()[0], 0, 1e-6, 'identical logits');
});

test('its gradient is T · (p_s − p_t) / rows at temperature T', () => {
  const t = 4;
  const teacher = tf.tensor2d(zt, [rows, classes]);
  const grad = tf.grad((s: tf.Tensor) => distillationLoss(s as tf.Tensor2D, teacher, t))(
    tf.tensor2d(zs, [rows, classes]),
  );
  const g = grad.dataSync();
  for (let i = 0; i < rows; i++) {
    const ps = softmax64(row(zs, i), t);
    const pt = softmax64(row(zt, i), t);
    for (let c = 0; c < classes; c++)
      close(g[i * classes + c], (t * (ps[c] - pt[c])) / rows, 1e-5, `grad[${i},${c}]`);
  }
});

test('hintonLoss mixes α·KD over all rows with (1−α)·CE over the labelled first rows', () => {
  const labels = Int32Array.from([2, 0, 6]);
  let ce = 0;
  labels.forEach((y, i) => {
    ce -= Math.log(softmax64(row(zs, i), 1)[y]);
  });
  ce /= labels.length;
  const s = tf.tensor2d(zs, [rows, classes]);
  const tt = tf.tensor2d(zt, [rows, classes]);
  close(labelCrossEntropy(s, labels).dataSync()[0], ce, 1e-5, 'cross-entropy');
  for (const alpha of [0, 0.3, 0.9, 1]) {
    const got = hintonLoss(s, tt, labels, { temperature: 4, alpha }).dataSync()[0];
    close(got, alpha * kl64(4) + (1 - alpha) * ce, 1e-5, `alpha=${alpha}`);
  }
});

test('hintLoss is the mean squared error, the student map resized to the teacher map', () => {
  const a = tf.tensor4d(randn(2 * 4 * 4 * 3, 1), [2, 4, 4, 3]);
  const b = tf.tensor4d(randn(2 * 4 * 4 * 3, 1), [2, 4, 4, 3]);
  const [av, bv] = [Array.from(a.dataSync()), Array.from(b.dataSync())];
  const mse = av.reduce((acc, v, i) => acc + (v - bv[i]) ** 2, 0) / av.length;
  close(hintLoss(a, b).dataSync()[0], mse, 1e-5, 'same size');
  // A 2×2 map of constant channels upsampled stays constant: the loss is the per-channel gap.
  const small = tf.tensor4d([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], [1, 2, 2, 3]);
  const big = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  close(hintLoss(small, big).dataSync()[0], (1 + 4 + 9) / 3, 1e-6, 'resized');
});
