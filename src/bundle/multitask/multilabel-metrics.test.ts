// Multi-label metrics against hand-computed cases (sklearn's formulas: average_precision_score,
// f1_score micro/macro, accuracy_score on label sets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averagePrecision, multiLabelMetrics } from './multilabel-metrics.js';

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('average precision: the sklearn documentation example, ties as one threshold, no positives', () => {
  // sklearn: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333…
  close(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])!, 5 / 6, 'doc example');
  // Tied top scores (one positive, one negative) are one threshold: P = 1/2 at R = 1/2, then
  // P = 2/3 at R = 1: 0.5·0.5 + 0.5·(2/3).
  close(averagePrecision([0.5, 0.5, 0.2], [1, 0, 1])!, 0.25 + 1 / 3, 'ties');
  assert.equal(averagePrecision([0.3, 0.1], [0, 0]), null);
});

test('mAP, micro/macro F1 and subset accuracy on a 3-image, 3-class case', () => {
  // rows: images; columns: classes a, b, c
  const probs = Float32Array.from([0.9, 0.2, 0.6, 0.4, 0.7, 0.1, 0.8, 0.6, 0.3]);
  const truth = Uint8Array.from([1, 0, 1, 0, 1, 1, 1, 0, 0]);
  const m = multiLabelMetrics(probs, truth, 3, 0.5);
  // Predicted at 0.5: [1,0,1], [0,1,0], [1,1,0].
  // a: tp 2 → F1 1; b: tp 1, fp 1 → 2/3; c: tp 1, fn 1 → 2/3. Micro: tp 4, fp 1, fn 1 → 8/10.
  close(m.microF1, 0.8, 'micro F1');
  close(m.macroF1, (1 + 2 / 3 + 2 / 3) / 3, 'macro F1');
  close(m.subsetAccuracy, 1 / 3, 'subset accuracy (image 0 only)');
  // AP: a = 1 (both positives on top); b: scores 0.7 (+), 0.6 (−), 0.2 (−) → 1;
  // c: 0.6 (+), 0.3 (−), 0.1 (+) → 0.5·1 + 0.5·(2/3).
  close(m.mAP, (1 + 1 + (0.5 + 1 / 3)) / 3, 'mAP');
  assert.deepEqual(
    m.perClass.map((c) => c.positives),
    [2, 1, 2],
  );
});
