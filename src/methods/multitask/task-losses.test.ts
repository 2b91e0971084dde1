import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BoxAnnotation } from '../../data/detection/types.js';
import { batchTargets, fcosLoss } from '../../heads/detection/fcos-loss.js';
import type { DetectorLayout } from '../../heads/detection/layout.js';
import { diceLoss, segmentationCrossEntropy } from '../../heads/segmentation/losses.js';
import { type TaskLossHead, taskLoss } from './task-losses.js';

const value = async (t: tf.Tensor) => (await t.data())[0];
const near = (a: number, b: number, what: string, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const maxDiff = async (a: tf.Tensor, b: tf.Tensor) =>
  (await tf.max(tf.abs(tf.sub(a, b))).data())[0];

const LAYOUT: DetectorLayout = { inputSize: 64, strides: [8, 16, 32], numClasses: 2 };
const DET: TaskLossHead = { name: 'boxes', kind: 'detection', numClasses: 2, layout: LAYOUT };
const BOXES: BoxAnnotation[][] = [
  [{ bbox: [8, 8, 24, 20], category: 0 }],
  [
    { bbox: [30, 10, 30, 40], category: 1 },
    { bbox: [0, 40, 16, 16], category: 0 },
  ],
  [{ bbox: [20, 24, 40, 36], category: 1 }],
];

test('detection: every image present = the FCOS loss; some present = FCOS on that sub-batch', async () => {
  await tf.setBackend('cpu');
  const output = tf.randomNormal([3, 84, 7], 0, 1, 'float32', 11);
  const all = taskLoss(DET, output, { present: [1, 1, 1], boxes: BOXES });
  const single = fcosLoss(output, batchTargets(BOXES, LAYOUT), LAYOUT);
  assert.equal(all.present, 3);
  for (const part of ['total', 'cls', 'box', 'ctr'] as const) {
    const got = part === 'total' ? all.total : all.parts[part];
    assert.equal(await value(got), await value(single[part]), part);
  }
  // Image 1 has no boxes for this task: the loss is the FCOS loss of images 0 and 2 alone (its
  // locations are not negatives, and 1/positives counts only their boxes).
  const sub = tf.concat([tf.slice(output, [0], [1]), tf.slice(output, [2], [1])]);
  const subBoxes = [BOXES[0], BOXES[2]];
  const f = (x: tf.Tensor) => taskLoss(DET, x, { present: [1, 0, 1], boxes: BOXES }).total;
  const g = (x: tf.Tensor) => fcosLoss(x, batchTargets(subBoxes, LAYOUT), LAYOUT).total;
  near(await value(f(output)), await value(g(sub)), 'partial');
  assert.ok(Math.abs((await value(f(output))) - (await value(all.total))) > 1e-3);
  const grad = tf.grad(f)(output);
  const subGrad = tf.grad(g)(sub);
  assert.equal(await value(tf.max(tf.abs(tf.slice(grad, [1], [1])))), 0);
  assert.ok(
    (await maxDiff(tf.concat([tf.slice(grad, [0], [1]), tf.slice(grad, [2], [1])]), subGrad)) <
      1e-6,
  );
  // An absent image's boxes may be missing altogether; none present gives 0, zero gradients.
  const none = (x: tf.Tensor) =>
    taskLoss(DET, x, { present: [0, 0, 0], boxes: [undefined, undefined, undefined] }).total;
  assert.equal(await value(none(output)), 0);
  assert.equal(await value(tf.max(tf.abs(tf.grad(none)(output)))), 0);
});

const SEG: TaskLossHead = { name: 'masks', kind: 'segmentation', numClasses: 2 };

test('segmentation: CE + Dice over the present images, a hand-worked case', async () => {
  await tf.setBackend('cpu');
  // Two 1×2 images, logits 0 (p = ½ everywhere). Image 0 labels [0, 1]; image 1 is absent.
  // CE = ln 2. Dice per class (smooth 1): (2·½ + 1) / (1 + 1 + 1) = ⅔ for both → loss ⅓.
  // Counting image 1 (labels [0, 0]) would give Dice 1 − (4/6 + 2/4)/2 = 5/12 instead.
  const logits = tf.zeros([2, 1, 2, 2]);
  const got = taskLoss(SEG, logits, { present: [1, 0], masks: [0, 1, 0, 0] });
  near(await value(got.total), Math.LN2 + 1 / 3, 'total');
  near(await value(got.parts.ce), Math.LN2, 'ce');
  near(await value(got.parts.dice), 1 / 3, 'dice');
  assert.equal(got.present, 1);
  const both = taskLoss(SEG, logits, { present: [1, 1], masks: [0, 1, 0, 0] });
  near(await value(both.parts.dice), 5 / 12, 'dice, both present');
  // Weights choose the parts: focal only.
  const focal = taskLoss(
    SEG,
    logits,
    { present: [1, 0], masks: [0, 1, 0, 0] },
    { segmentation: { ceWeight: 0, diceWeight: 0, focalWeight: 2 } },
  );
  assert.deepEqual(Object.keys(focal.parts), ['focal']);
  // Softmax focal, γ = 2, p_t = ½: −(½)² ln ½ per pixel, ×2.
  near(await value(focal.total), 2 * 0.25 * Math.LN2, 'focal');
});

test('segmentation: all present = the single-task CE + Dice; some present = that sub-batch', async () => {
  await tf.setBackend('cpu');
  const logits = tf.randomNormal([3, 4, 4, 3], 0, 2, 'float32', 5) as tf.Tensor4D;
  const masks = Int32Array.from({ length: 48 }, (_, i) => (i % 7 === 0 ? 255 : (i * 5) % 3));
  const single = (x: tf.Tensor4D, m: Int32Array, n: number) => {
    const y = tf.tensor3d(m, [n, 4, 4], 'int32');
    return tf.add(segmentationCrossEntropy(x, y), diceLoss(x, y));
  };
  const all = taskLoss(SEG, logits, { present: [1, 1, 1], masks });
  assert.equal(await value(all.total), await value(single(logits, masks, 3)));
  const f = (x: tf.Tensor) => taskLoss(SEG, x, { present: [0, 1, 1], masks }).total;
  const sub = tf.slice(logits, [1], [2]) as tf.Tensor4D;
  const g = (x: tf.Tensor) => single(x as tf.Tensor4D, masks.slice(16), 2) as tf.Scalar;
  near(await value(f(logits)), await value(g(sub)), 'partial');
  const grad = tf.grad(f)(logits);
  assert.equal(await value(tf.max(tf.abs(tf.slice(grad, [0], [1])))), 0);
  assert.ok((await maxDiff(tf.slice(grad, [1], [2]), tf.grad(g)(sub))) < 1e-6);
  const none = (x: tf.Tensor) => taskLoss(SEG, x, { present: [0, 0, 0], masks }).total;
  assert.equal(await value(none(logits)), 0);
  assert.equal(await value(tf.max(tf.abs(tf.grad(none)(logits)))), 0);
});

test('classification and multi-label tasks: masked means, nothing present gives 0', async () => {
  await tf.setBackend('cpu');
  const logits = tf.tensor2d([
    [1, 0, 0],
    [0, 3, 0],
  ]);
  const cls: TaskLossHead = { name: 'kind', kind: 'classification', numClasses: 3 };
  const one = taskLoss(cls, logits, { present: [0, 1], classes: [-1, 2] });
  // −log softmax([0, 3, 0])_2 = log(2 + e³).
  near(await value(one.total), Math.log(2 + Math.E ** 3), 'classification');
  assert.equal(one.present, 1);
  const tags: TaskLossHead = { name: 'tags', kind: 'multilabel', numClasses: 3 };
  const multi = taskLoss(tags, logits, { present: [1, 0], multi: [1, 0, 0, 0, 0, 0] });
  const softplus = (x: number) => Math.log1p(Math.exp(x));
  near(await value(multi.total), (softplus(1) - 1 + 2 * softplus(0)) / 3, 'multilabel');
  const none = taskLoss(tags, logits, { present: [0, 0], multi: new Float32Array(6) });
  assert.equal(await value(none.total), 0);
});

test('missing or mis-sized targets are refused naming the task and the field', () => {
  const logits = tf.zeros([2, 3]);
  const cls: TaskLossHead = { name: 'kind', kind: 'classification', numClasses: 3 };
  assert.throws(
    () => taskLoss(cls, logits, { present: [1, 1] }),
    /task kind: a classification loss needs targets.classes/,
  );
  assert.throws(
    () => taskLoss(cls, logits, { present: [1], classes: [0, 1] }),
    /task kind: targets.present has 1 entries, not one flag per image \(2\)/,
  );
  assert.throws(
    () =>
      taskLoss({ name: 'tags', kind: 'multilabel', numClasses: 3 }, logits, {
        present: [1, 1],
        multi: [0, 1],
      }),
    /task tags: targets.multi has 2 entries, not \[2, C\] \(6\)/,
  );
  assert.throws(
    () => taskLoss(SEG, tf.zeros([1, 2, 2, 2]), { present: [1], masks: [0, 1, 1] }),
    /task masks: targets.masks has 3 entries, not \[1, 2, 2\] \(4\)/,
  );
  assert.throws(
    () =>
      taskLoss(
        SEG,
        tf.zeros([1, 2, 2, 2]),
        { present: [1], masks: [0, 1, 1, 0] },
        { segmentation: { ceWeight: 0, diceWeight: 0 } },
      ),
    /task masks: every segmentation loss weight is 0/,
  );
  assert.throws(
    () =>
      taskLoss({ ...DET, layout: undefined }, tf.zeros([1, 84, 7]), { present: [1], boxes: [[]] }),
    /task boxes: a detection loss needs the head's layout/,
  );
  assert.throws(
    () => taskLoss(DET, tf.zeros([2, 84, 7]), { present: [1, 1], boxes: [[], undefined] }),
    /task boxes: image 1 is present but targets.boxes\[1\] is missing/,
  );
});
