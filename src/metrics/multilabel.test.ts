import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averagePrecision, MultiLabelAccumulator, multiLabelMetrics } from './multilabel.js';

const close = (a: number | null, b: number, what: string) =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('average precision: sklearn documentation example, and tied scores form one threshold', () => {
  // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333…
  close(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 5 / 6, 'docs example');
  // Scores 0.5, 0.5 tie: one step to P = 1/2, R = 1/2, then P = 2/3, R = 1: ½·½ + ½·⅔ = 7/12.
  // (Taking the tied pair one at a time would give 1/2 + 1/3 or 1/4 + 1/3 depending on order.)
  close(averagePrecision([0.5, 0.5, 0.2], [1, 0, 1]), 7 / 12, 'ties');
  close(averagePrecision([0.5, 0.5, 0.2], [0, 1, 1]), 7 / 12, 'ties, other order');
  assert.equal(averagePrecision([0.3, 0.9], [0, 0]), null);
});

// 4 images × 3 classes, hand-worked at threshold 0.5:
// predicted sets {0,2} {1} {0,1} {} vs true {0,2} {0,1} {1} {} → 2 exact of 4.
// class 0: tp 1 fp 1 fn 1 → F1 ½; class 1: tp 2 → F1 1; class 2: tp 1 → F1 1; macro ⅚.
// micro: tp 4, fp 1, fn 1 → P = R = F1 = 0.8.
// AP: class 0 ranks 1,0,1,0 → 1·½ + ⅔·½ = ⅚; classes 1 and 2 rank their positives first → 1.
const PROBS = [0.9, 0.2, 0.6, 0.4, 0.7, 0.1, 0.8, 0.6, 0.3, 0.1, 0.3, 0.2];
const TARGETS = [1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0];

test('mAP, micro/macro F1 and subset accuracy on a hand-worked case', () => {
  const m = multiLabelMetrics(PROBS, TARGETS, 3);
  assert.equal(m.images, 4);
  close(m.subsetAccuracy, 0.5, 'subset accuracy');
  close(m.macroF1, 5 / 6, 'macro F1');
  close(m.microF1, 0.8, 'micro F1');
  close(m.microPrecision, 0.8, 'micro P');
  close(m.microRecall, 0.8, 'micro R');
  close(m.mAP, (5 / 6 + 1 + 1) / 3, 'mAP');
  assert.deepEqual(
    m.perClass.map((c) => [c.support, c.precision, c.recall, c.f1]),
    [
      [2, 0.5, 0.5, 0.5],
      [2, 1, 1, 1],
      [1, 1, 1, 1],
    ],
  );
  // A higher threshold drops class 2 of image 0 (0.6) and class 1 of image 2 (0.6):
  // class 0 tp 1 fp 1 fn 1, class 1 tp 1 fn 1, class 2 fn 1 → micro 2·2 / (4 + 1 + 3) = ½.
  const strict = multiLabelMetrics(PROBS, TARGETS, 3, { threshold: 0.65 });
  close(strict.microF1, 0.5, 'micro F1 at 0.65');
  close(strict.mAP, m.mAP!, 'mAP does not depend on the threshold');
});

test('images without multi-label annotations are skipped; batches stream to the same result', () => {
  const acc = new MultiLabelAccumulator(3);
  acc.add(PROBS.slice(0, 6), TARGETS.slice(0, 6));
  // An unannotated image between them: its (garbage-free, but wrong) row must not count.
  acc.add([0.9, 0.9, 0.9, ...PROBS.slice(6)], [0, 0, 0, ...TARGETS.slice(6)], [0, 1, 1]);
  assert.equal(acc.count, 4);
  assert.deepEqual(acc.result(), multiLabelMetrics(PROBS, TARGETS, 3));
});

test('a class no image carries has no AP and is left out of mAP, but counts in macro F1', () => {
  // Class 1 never true; image 1 predicts it (fp) → its F1 is 0.
  const m = multiLabelMetrics([0.9, 0.1, 0.2, 0.8], [1, 0, 0, 0], 2);
  assert.equal(m.perClass[1].averagePrecision, null);
  close(m.mAP, 1, 'mAP over class 0 alone');
  close(m.macroF1, 0.5, 'macro F1 = (1 + 0) / 2');
  assert.equal(multiLabelMetrics([0.1], [0], 1).mAP, null);
});

test('bad input is refused naming the entry, before any state changes', () => {
  const acc = new MultiLabelAccumulator(2);
  assert.throws(() => acc.add([0.5, 0.5, 0.5], [1, 0, 1]), /not both \[n, 2\]/);
  assert.throws(() => acc.add([0.5, 2.3], [1, 0]), /probability 2.3 at \[0, 1\] .*not logits/);
  assert.throws(() => acc.add([0.5, Number.NaN], [1, 0]), /probability NaN at \[0, 1\]/);
  assert.throws(() => acc.add([0.5, 0.5], [1, 0.5]), /target 0.5 at \[0, 1\] is not 0 or 1/);
  assert.throws(() => acc.add([0.5, 0.5], [1, 0], [1, 1]), /2 presence flags for 1 images/);
  assert.equal(acc.count, 0);
  assert.throws(() => new MultiLabelAccumulator(2, { threshold: 1 }), /threshold must be in/);
  assert.throws(() => new MultiLabelAccumulator(0), /numClasses must be a positive integer/);
});
