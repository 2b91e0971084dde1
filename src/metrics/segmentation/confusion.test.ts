// Segmentation metrics on hand-made masks with hand-computed values, plus the ignore-index,
// absent-class, merge and bad-input rules stated in confusion.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { SegmentationAccumulator } from './confusion.js';

function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected}, got ${actual}`);
}

// 4×4, two classes. Row-major.
//   ground truth     prediction
//   0 0 1 1          0 0 0 1
//   0 0 1 1          0 1 1 1
//   0 0 1 1          0 0 1 1
//   0 0 0 1          0 0 1 1
// Class 0 (9 pixels): 7 right, 2 predicted 1 (FN0 = 2); 1 class-1 pixel predicted 0 (FP0 = 1).
// Class 1 (7 pixels): 6 right, FN1 = 1, FP1 = 2. Confusion [[7, 2], [1, 6]].
const GT = new Uint8Array([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1]);
const PRED = new Uint8Array([0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);

test('4×4 two-class mask: every metric by hand', () => {
  const acc = new SegmentationAccumulator(2);
  acc.add(GT, PRED);
  const m = acc.metrics();
  assert.deepEqual(m.confusion, [
    [7, 2],
    [1, 6],
  ]);
  assert.equal(m.count, 16);
  close(m.pixelAccuracy, 13 / 16, 'pixel accuracy');
  // IoU = TP / (TP + FP + FN): 7 / (7 + 1 + 2), 6 / (6 + 2 + 1).
  close(m.perClassIoU[0], 7 / 10, 'IoU 0');
  close(m.perClassIoU[1], 6 / 9, 'IoU 1');
  close(m.meanIoU, (7 / 10 + 6 / 9) / 2, 'mIoU');
  close(m.perClassAccuracy[0], 7 / 9, 'acc 0');
  close(m.perClassAccuracy[1], 6 / 7, 'acc 1');
  close(m.meanClassAccuracy, (7 / 9 + 6 / 7) / 2, 'mAcc');
  // Dice = 2TP / (2TP + FP + FN): 14 / 17, 12 / 15.
  close(m.dice.perClass[0], 14 / 17, 'dice 0');
  close(m.dice.perClass[1], 12 / 15, 'dice 1');
  close(m.dice.mean, (14 / 17 + 12 / 15) / 2, 'mDice');
  close(m.frequencyWeightedIoU, (9 / 16) * (7 / 10) + (7 / 16) * (6 / 9), 'fwIoU');
});

test('Int32Array maps give the same result as Uint8Array maps', () => {
  const a = new SegmentationAccumulator(2);
  a.add(GT, PRED);
  const b = new SegmentationAccumulator(2);
  b.add(Int32Array.from(GT), Int32Array.from(PRED));
  assert.deepEqual(b.metrics(), a.metrics());
});

test('ignored pixels never count, whatever is predicted there', () => {
  const gt = Uint8Array.from(GT);
  gt[0] = 255; // a correct class-0 pixel
  gt[2] = 255; // a class-1 pixel predicted 0
  const withPred = (fill: (i: number) => number) => {
    const pred = Uint8Array.from(PRED);
    pred[0] = fill(0);
    pred[2] = fill(2);
    const acc = new SegmentationAccumulator(2);
    acc.add(gt, pred);
    return acc.metrics();
  };
  const base = withPred((i) => PRED[i]);
  assert.deepEqual(base.confusion, [
    [6, 2],
    [0, 6],
  ]);
  assert.equal(base.count, 14);
  assert.deepEqual(
    withPred(() => 1),
    base,
  );
  assert.deepEqual(
    withPred(() => 0),
    base,
  );
  // A custom ignore index works the same way, and 255 is then an error.
  const acc = new SegmentationAccumulator(2, { ignoreIndex: -1 });
  acc.add(
    Int32Array.from(gt, (v) => (v === 255 ? -1 : v)),
    PRED,
  );
  assert.deepEqual(acc.metrics().confusion, base.confusion);
  assert.throws(() => acc.add(gt, PRED), /255/);
});

test('a class absent from ground truth and prediction is NaN and left out of the means', () => {
  const acc = new SegmentationAccumulator(3);
  acc.add(GT, PRED); // class 2 never appears
  const m = acc.metrics();
  assert.ok(Number.isNaN(m.perClassIoU[2]));
  assert.ok(Number.isNaN(m.perClassAccuracy[2]));
  assert.ok(Number.isNaN(m.dice.perClass[2]));
  close(m.meanIoU, (7 / 10 + 6 / 9) / 2, 'mIoU over classes 0, 1');
  close(m.meanClassAccuracy, (7 / 9 + 6 / 7) / 2, 'mAcc over classes 0, 1');
  close(m.dice.mean, (14 / 17 + 12 / 15) / 2, 'mDice over classes 0, 1');
  close(m.frequencyWeightedIoU, (9 / 16) * (7 / 10) + (7 / 16) * (6 / 9), 'fwIoU');
});

test('a class only predicted gets IoU 0 and counts in mIoU; its accuracy is NaN', () => {
  const acc = new SegmentationAccumulator(3);
  acc.add(new Uint8Array([0, 0, 1, 1]), new Uint8Array([0, 2, 1, 1]));
  const m = acc.metrics();
  assert.equal(m.perClassIoU[2], 0);
  assert.equal(m.dice.perClass[2], 0);
  assert.ok(Number.isNaN(m.perClassAccuracy[2]));
  close(m.perClassIoU[0], 1 / 2, 'IoU 0');
  close(m.meanIoU, (1 / 2 + 1 + 0) / 3, 'mIoU');
  close(m.meanClassAccuracy, (1 / 2 + 1) / 2, 'mAcc');
});

test('perfect prediction: every metric is 1', () => {
  const rng = new Rng('seg-perfect');
  const gt = Int32Array.from({ length: 500 }, () => rng.int(5));
  const acc = new SegmentationAccumulator(5);
  acc.add(gt, gt);
  const m = acc.metrics();
  for (const v of [
    m.pixelAccuracy,
    m.meanIoU,
    m.meanClassAccuracy,
    m.dice.mean,
    m.frequencyWeightedIoU,
    ...m.perClassIoU,
    ...m.perClassAccuracy,
    ...m.dice.perClass,
  ]) {
    close(v, 1, 'perfect');
  }
});

test('merge equals accumulating everything at once, in any split', () => {
  const rng = new Rng('seg-merge');
  const C = 4;
  const maps = Array.from({ length: 6 }, () => {
    const n = 50 + rng.int(50);
    const gt = Uint8Array.from({ length: n }, () => (rng.bool(0.1) ? 255 : rng.int(C)));
    const pred = Uint8Array.from({ length: n }, () => rng.int(C));
    return { gt, pred };
  });
  const all = new SegmentationAccumulator(C);
  for (const { gt, pred } of maps) all.add(gt, pred);
  const left = new SegmentationAccumulator(C);
  const right = new SegmentationAccumulator(C);
  maps.forEach(({ gt, pred }, i) => {
    (i % 3 === 0 ? left : right).add(gt, pred);
  });
  left.merge(right);
  assert.deepEqual(left.metrics(), all.metrics());
  assert.throws(() => left.merge(new SegmentationAccumulator(C + 1)), /numClasses/);
});

test('bad input: ground truth out of range names the value and leaves the state untouched', () => {
  const acc = new SegmentationAccumulator(2);
  acc.add(GT, PRED);
  const before = acc.metrics();
  assert.throws(() => acc.add(new Uint8Array([0, 1, 7]), new Uint8Array([0, 1, 1])), /value 7\b/);
  assert.throws(() => acc.add(new Int32Array([-1, 0]), new Int32Array([0, 0])), /value -1\b/);
  assert.throws(() => acc.add(new Uint8Array([0, 1]), new Uint8Array([0, 2])), /predicted value 2/);
  assert.throws(() => acc.add(new Uint8Array([0, 1]), new Uint8Array([0])), /pixels/);
  assert.deepEqual(acc.metrics(), before);
  assert.throws(() => new SegmentationAccumulator(2).metrics(), /no labelled pixels/);
  assert.throws(() => new SegmentationAccumulator(0), /numClasses/);
  assert.throws(() => new SegmentationAccumulator(300), /ignoreIndex 255/);
});
