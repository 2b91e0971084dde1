// Segmentation losses against independent float64 recomputations on random logits and labels
// with ignored pixels; gradients finite (and zero at ignored pixels); all-ignored batches give 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import {
  combinedLoss,
  diceLoss,
  type SegmentationLoss,
  segmentationCrossEntropy,
  segmentationFocalLoss,
} from './losses.js';

await tf.setBackend('cpu');

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const [B, H, W, C] = [2, 3, 4, 5];
const N = B * H * W;
const WEIGHTS = [0.5, 1, 2, 0.25, 1.5];

function randomCase(seed: string, ignoreIndex = 255) {
  const rng = new Rng(seed);
  const x = Array.from({ length: N * C }, () => rng.normal() * 3);
  const y = Array.from({ length: N }, () => (rng.bool(0.2) ? ignoreIndex : rng.int(C)));
  return { x, y };
}

/** Float64 log-softmax of pixel i. */
function logSoftmax(x: number[], i: number): number[] {
  const row = x.slice(i * C, i * C + C);
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

function refCrossEntropy(x: number[], y: number[], w: number[], ignore: number): number {
  let num = 0;
  let den = 0;
  y.forEach((label, i) => {
    if (label === ignore) return;
    num -= w[label] * logSoftmax(x, i)[label];
    den += w[label];
  });
  return num / den;
}

function refDice(x: number[], y: number[], smooth: number, ignore: number): number {
  let total = 0;
  for (let c = 0; c < C; c++) {
    let inter = 0;
    let sumP = 0;
    let sumG = 0;
    y.forEach((label, i) => {
      if (label === ignore) return;
      const p = Math.exp(logSoftmax(x, i)[c]);
      const g = label === c ? 1 : 0;
      inter += p * g;
      sumP += p;
      sumG += g;
    });
    total += (2 * inter + smooth) / (sumP + sumG + smooth);
  }
  return 1 - total / C;
}

function refFocal(x: number[], y: number[], gamma: number, ignore: number): number {
  let sum = 0;
  let n = 0;
  y.forEach((label, i) => {
    if (label === ignore) return;
    const logPt = logSoftmax(x, i)[label];
    sum -= (1 - Math.exp(logPt)) ** gamma * logPt;
    n++;
  });
  return sum / n;
}

const asTensors = (x: number[], y: number[]) => ({
  logits: tf.tensor4d(x, [B, H, W, C]),
  labels: tf.tensor3d(y, [B, H, W], 'int32'),
});
const value = (s: tf.Scalar) => s.dataSync()[0];

test('cross-entropy matches float64, unweighted and with class weights (PyTorch weighting)', () => {
  const { x, y } = randomCase('seg-ce');
  const { logits, labels } = asTensors(x, y);
  const ones = Array(C).fill(1);
  close(
    value(segmentationCrossEntropy(logits, labels)),
    refCrossEntropy(x, y, ones, 255),
    1e-5,
    'CE',
  );
  close(
    value(segmentationCrossEntropy(logits, labels, { classWeights: WEIGHTS })),
    refCrossEntropy(x, y, WEIGHTS, 255),
    1e-5,
    'weighted CE',
  );
  assert.throws(
    () => segmentationCrossEntropy(logits, labels, { classWeights: [1, 2] }),
    /2 entries/,
  );
});

test('an ignore index inside [0, C) is honoured too', () => {
  const { x, y } = randomCase('seg-ignore-0', 0);
  const { logits, labels } = asTensors(x, y);
  const opts = { ignoreIndex: 0 };
  close(
    value(segmentationCrossEntropy(logits, labels, { ...opts, classWeights: WEIGHTS })),
    refCrossEntropy(x, y, WEIGHTS, 0),
    1e-5,
    'CE',
  );
  close(value(diceLoss(logits, labels, opts)), refDice(x, y, 1, 0), 1e-5, 'dice');
  close(value(segmentationFocalLoss(logits, labels, opts)), refFocal(x, y, 2, 0), 1e-5, 'focal');
});

test('cross-entropy gradient equals w_y (softmax − onehot) / Σw, zero at ignored pixels', () => {
  const { x, y } = randomCase('seg-ce-grad');
  const { logits, labels } = asTensors(x, y);
  const grad = tf
    .grad((l: tf.Tensor) =>
      segmentationCrossEntropy(l as tf.Tensor4D, labels, { classWeights: WEIGHTS }),
    )(logits)
    .dataSync();
  const den = y.reduce((s, label) => (label === 255 ? s : s + WEIGHTS[label]), 0);
  y.forEach((label, i) => {
    const p = logSoftmax(x, i).map(Math.exp);
    for (let c = 0; c < C; c++) {
      const want = label === 255 ? 0 : (WEIGHTS[label] * (p[c] - (c === label ? 1 : 0))) / den;
      close(grad[i * C + c], want, 1e-5, `grad[${i}, ${c}]`);
    }
  });
});

test('dice loss matches float64 for smooth 1 and smooth 0.01', () => {
  const { x, y } = randomCase('seg-dice');
  const { logits, labels } = asTensors(x, y);
  close(value(diceLoss(logits, labels)), refDice(x, y, 1, 255), 1e-5, 'dice smooth 1');
  close(
    value(diceLoss(logits, labels, { smooth: 0.01 })),
    refDice(x, y, 0.01, 255),
    1e-5,
    'dice smooth 0.01',
  );
});

test('focal loss matches float64 for γ = 2, 0.5 and 0 (γ = 0 is cross-entropy)', () => {
  const { x, y } = randomCase('seg-focal');
  const { logits, labels } = asTensors(x, y);
  for (const gamma of [2, 0.5, 0]) {
    close(
      value(segmentationFocalLoss(logits, labels, { gamma })),
      refFocal(x, y, gamma, 255),
      1e-5,
      `focal γ ${gamma}`,
    );
  }
  close(
    value(segmentationFocalLoss(logits, labels, { gamma: 0 })),
    value(segmentationCrossEntropy(logits, labels)),
    1e-5,
    'focal γ 0 vs CE',
  );
});

test('combinedLoss is the weighted sum of its parts', () => {
  const { x, y } = randomCase('seg-combined');
  const { logits, labels } = asTensors(x, y);
  const loss = combinedLoss([
    { loss: (l, t) => segmentationCrossEntropy(l, t, { classWeights: WEIGHTS }), weight: 1 },
    { loss: (l, t) => diceLoss(l, t), weight: 0.5 },
  ]);
  close(
    value(loss(logits, labels)),
    refCrossEntropy(x, y, WEIGHTS, 255) + 0.5 * refDice(x, y, 1, 255),
    1e-5,
    'CE + 0.5 dice',
  );
  assert.throws(() => combinedLoss([]), /at least one/);
});

const ALL_LOSSES: [string, SegmentationLoss][] = [
  ['CE', (l, t) => segmentationCrossEntropy(l, t, { classWeights: WEIGHTS })],
  ['dice', (l, t) => diceLoss(l, t)],
  ['dice smooth 0', (l, t) => diceLoss(l, t, { smooth: 0 })],
  ['focal', (l, t) => segmentationFocalLoss(l, t)],
  ['focal γ 0.5', (l, t) => segmentationFocalLoss(l, t, { gamma: 0.5 })],
];

test('gradients are finite, large logits included, and zero at ignored pixels', () => {
  const { x, y } = randomCase('seg-grads');
  x[0] = 60; // a saturated correct-or-wrong pixel: p_t is exactly 0 or 1 in float32
  x[C + 1] = -60;
  const { logits, labels } = asTensors(x, y);
  for (const [name, loss] of ALL_LOSSES) {
    const g = tf
      .grad((l: tf.Tensor) => loss(l as tf.Tensor4D, labels))(logits)
      .dataSync();
    assert.ok(
      g.every((v) => Number.isFinite(v)),
      `${name}: non-finite gradient`,
    );
    y.forEach((label, i) => {
      if (label !== 255) return;
      for (let c = 0; c < C; c++) assert.ok(g[i * C + c] === 0, `${name}: grad at ignored pixel`);
    });
  }
});

test('an all-ignored batch gives 0 with finite gradients, not NaN', () => {
  const { x } = randomCase('seg-empty');
  const { logits, labels } = asTensors(x, Array(N).fill(255));
  for (const [name, loss] of ALL_LOSSES) {
    assert.ok(value(loss(logits, labels)) === 0, `${name}: ${value(loss(logits, labels))}`); // ±0
    const g = tf
      .grad((l: tf.Tensor) => loss(l as tf.Tensor4D, labels))(logits)
      .dataSync();
    assert.ok(
      g.every((v) => v === 0),
      `${name}: gradient should be 0`,
    );
  }
});

test('shape mismatches are refused', () => {
  const logits = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  assert.throws(() => diceLoss(logits, tf.zeros([1, 2, 3], 'int32') as tf.Tensor3D), /match/);
});
