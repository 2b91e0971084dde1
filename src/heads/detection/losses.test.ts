// FCOS losses against float64 references on random inputs and hand-worked boxes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { centernessLoss, giouFromDistances, giouLoss, sigmoidFocalLoss } from './losses.js';

await tf.setBackend('cpu');

const rng = new Rng(21);
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('sigmoid focal loss matches its formula in float64, large logits included', () => {
  const n = 60;
  const x = Array.from({ length: n }, () => rng.normal() * 4);
  x[0] = 40;
  x[1] = -40;
  const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  let want = 0;
  x.forEach((v, i) => {
    const p = 1 / (1 + Math.exp(-v));
    const logP = -Math.log1p(Math.exp(-v));
    const log1mP = -Math.log1p(Math.exp(v));
    want += y[i] ? -0.25 * (1 - p) ** 2 * logP : -0.75 * p ** 2 * log1mP;
  });
  const got = sigmoidFocalLoss(tf.tensor2d(x, [20, 3]), tf.tensor2d(y, [20, 3])).dataSync()[0];
  close(got, want, 1e-5, 'focal loss');
  assert.ok(Number.isFinite(got));
});

test('GIoU from distances: identical boxes 1, nested boxes their area ratio, offset boxes by hand', () => {
  const giou = (a: number[], b: number[]) =>
    giouFromDistances(tf.tensor2d([a]), tf.tensor2d([b])).dataSync()[0];
  close(giou([1, 2, 3, 4], [1, 2, 3, 4]), 1, 1e-6, 'identical');
  close(giou([2, 2, 2, 2], [1, 1, 1, 1]), 4 / 16, 1e-6, 'nested: IoU = 4/16, enclosing = union');
  // Pred spans x in [-1, 3], y in [-1, 1] (area 8); target x in [-3, 1], y in [-2, 2] (area 16).
  // Intersection 2 × 2 = 4, union 20, enclosing 6 × 4 = 24: GIoU = 4/20 − 4/24.
  close(giou([1, 1, 3, 1], [3, 2, 1, 2]), 4 / 20 - 4 / 24, 1e-6, 'offset');
});

test('GIoU loss weights locations by centre-ness; centre-ness BCE matches float64', () => {
  const pred = tf.tensor2d([
    [1, 1, 1, 1],
    [2, 2, 2, 2],
  ]);
  const target = tf.tensor2d([
    [1, 1, 1, 1],
    [1, 1, 1, 1],
  ]);
  close(
    giouLoss(pred, target, tf.tensor1d([1, 3])).dataSync()[0],
    (0 + 3 * 0.75) / 4,
    1e-6,
    'weighted',
  );
  const logits = Array.from({ length: 10 }, () => rng.normal() * 3);
  const targets = Array.from({ length: 10 }, () => rng.next());
  let want = 0;
  logits.forEach((v, i) => {
    const p = 1 / (1 + Math.exp(-v));
    want -= (targets[i] * Math.log(p) + (1 - targets[i]) * Math.log(1 - p)) / 10;
  });
  close(centernessLoss(tf.tensor1d(logits), tf.tensor1d(targets)).dataSync()[0], want, 1e-5, 'BCE');
});
