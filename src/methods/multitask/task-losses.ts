// Each task's training loss on its output for one multi-task batch, where only some images carry
// the task's labels (`present`): an image without them contributes nothing, and a batch with none
// gives 0 (computed from the output, so every task's loss is on the gradient tape and per-task
// gradients — PCGrad — exist for all tasks, zero where a task has no labels).
// - classification: softmax cross-entropy, mean over the present images;
// - multilabel: sigmoid BCE, per-class mean, mean over the present images;
// - detection: the FCOS loss (heads/detection/fcos-loss.ts) on the present images alone — the
//   output rows of absent images are left out (gathered), so focal loss' 1/positives and its
//   negatives are exactly the single-task loss on the sub-batch;
// - segmentation: the weighted CE + Dice (+ focal) of heads/segmentation/losses.ts with every
//   pixel of an absent image set to the ignore index — those losses already leave ignored pixels
//   out of every sum, so this too is exactly the single-task loss on the sub-batch.
import * as tf from '@tensorflow/tfjs';
import type { BoxAnnotation } from '../../data/detection/types.js';
import { badUsage } from '../../errors.js';
import { maskedSigmoidBce, maskedSoftmaxCrossEntropy } from '../../heads/classification-losses.js';
import { batchTargets, fcosLoss } from '../../heads/detection/fcos-loss.js';
import type { DetectorLayout } from '../../heads/detection/layout.js';
import {
  diceLoss,
  segmentationCrossEntropy,
  segmentationFocalLoss,
} from '../../heads/segmentation/losses.js';
import type { TaskKind } from './task-spec.js';

/** One task's labels for a batch of B images (the data loader fills the fields of its kind). */
export interface TaskTargets {
  /** Per image: 1 when it carries this task's labels, else 0. */
  present: ArrayLike<number>;
  /** classification: class per image (anything where absent). */
  classes?: ArrayLike<number>;
  /** multilabel: [B, C] row-major 0/1 (or soft) targets. */
  multi?: ArrayLike<number>;
  /** detection: per image, its boxes on the network input. */
  boxes?: readonly (readonly BoxAnnotation[] | undefined)[];
  /** segmentation: [B, S, S] row-major class per pixel (ignoreIndex for pixels to leave out). */
  masks?: ArrayLike<number>;
}

/** The segmentation loss: Σ weight · part; defaults CE 1, Dice 1, focal 0. */
export interface SegmentationLossOptions {
  ceWeight?: number;
  diceWeight?: number;
  focalWeight?: number;
  /** Default 255, as the segmentation trainer. */
  ignoreIndex?: number;
  classWeights?: readonly number[];
}

/** What a task's loss needs to know about its head (network.ts's TaskHead has all of it). */
export interface TaskLossHead {
  name: string;
  kind: TaskKind;
  numClasses: number;
  /** detection only. */
  layout?: DetectorLayout;
}

export interface TaskLoss {
  total: tf.Scalar;
  /** Named parts of a composite loss (detection: cls/box/ctr; segmentation: ce/dice/focal). */
  parts: Record<string, tf.Scalar>;
  /** Images of the batch that carry this task's labels. */
  present: number;
}

function need<T>(head: TaskLossHead, field: keyof TaskTargets, value: T | undefined): T {
  if (value === undefined)
    throw badUsage(`task ${head.name}: a ${head.kind} loss needs targets.${field}`);
  return value;
}

function checkLength(head: TaskLossHead, field: string, got: number, want: number, what: string) {
  if (got !== want)
    throw badUsage(`task ${head.name}: targets.${field} has ${got} entries, not ${what} (${want})`);
}

/** Zero with zero gradients, still depending on the output. */
const zeroFrom = (output: tf.Tensor) => tf.tidy(() => tf.mul(tf.sum(output), 0) as tf.Scalar);

function detectionLoss(
  head: TaskLossHead,
  output: tf.Tensor,
  boxes: readonly (readonly BoxAnnotation[] | undefined)[],
  present: ArrayLike<number>,
): TaskLoss {
  const layout = head.layout;
  if (!layout) throw badUsage(`task ${head.name}: a detection loss needs the head's layout`);
  const batch = output.shape[0];
  checkLength(head, 'boxes', boxes.length, batch, 'one list per image');
  const kept = Array.from({ length: batch }, (_, b) => b).filter((b) => present[b]);
  if (kept.length === 0) {
    const zero = zeroFrom(output);
    return { total: zero, parts: { cls: zero, box: zero, ctr: zero }, present: 0 };
  }
  const keptBoxes = kept.map((b) => {
    const list = boxes[b];
    if (!list)
      throw badUsage(`task ${head.name}: image ${b} is present but targets.boxes[${b}] is missing`);
    return list;
  });
  const targets = batchTargets(keptBoxes, layout);
  return tf.tidy(() => {
    // All present (the common case with one data source): the output as it is, no gather.
    const rows = kept.length === batch ? output : tf.gather(output, tf.tensor1d(kept, 'int32'), 0);
    const { total, cls, box, ctr } = fcosLoss(rows, targets, layout);
    return { total, parts: { cls, box, ctr }, present: kept.length };
  });
}

function segmentationLoss(
  head: TaskLossHead,
  output: tf.Tensor,
  masks: ArrayLike<number>,
  present: ArrayLike<number>,
  options: SegmentationLossOptions,
): TaskLoss {
  if (output.rank !== 4)
    throw badUsage(`task ${head.name}: segmentation output [${output.shape}] is not [B, S, S, C]`);
  const [batch, height, width] = output.shape;
  const pixels = height * width;
  checkLength(head, 'masks', masks.length, batch * pixels, `[${batch}, ${height}, ${width}]`);
  const ignoreIndex = options.ignoreIndex ?? 255;
  const labels = new Int32Array(batch * pixels);
  let count = 0;
  for (let b = 0; b < batch; b++) {
    if (present[b]) {
      count++;
      for (let p = 0; p < pixels; p++) labels[b * pixels + p] = masks[b * pixels + p];
    } else labels.fill(ignoreIndex, b * pixels, (b + 1) * pixels);
  }
  const weights = {
    ce: options.ceWeight ?? 1,
    dice: options.diceWeight ?? 1,
    focal: options.focalWeight ?? 0,
  };
  const logits = output as tf.Tensor4D;
  return tf.tidy(() => {
    const y = tf.tensor3d(labels, [batch, height, width], 'int32');
    const parts: Record<string, tf.Scalar> = {};
    if (weights.ce > 0)
      parts.ce = segmentationCrossEntropy(logits, y, {
        ignoreIndex,
        classWeights: options.classWeights,
      });
    if (weights.dice > 0) parts.dice = diceLoss(logits, y, { ignoreIndex });
    if (weights.focal > 0) parts.focal = segmentationFocalLoss(logits, y, { ignoreIndex });
    const names = Object.keys(parts) as (keyof typeof weights)[];
    if (names.length === 0)
      throw badUsage(`task ${head.name}: every segmentation loss weight is 0`);
    const total = tf.addN(names.map((n) => tf.mul(parts[n], weights[n]))) as tf.Scalar;
    return { total, parts, present: count };
  });
}

/**
 * The task's loss on its output for this batch. Call inside the gradient tape; the caller
 * disposes the returned tensors (total and parts).
 */
export function taskLoss(
  head: TaskLossHead,
  output: tf.Tensor,
  targets: TaskTargets,
  options: { segmentation?: SegmentationLossOptions } = {},
): TaskLoss {
  const { present } = targets;
  const batch = output.shape[0];
  checkLength(head, 'present', present.length, batch, 'one flag per image');
  let count = 0;
  for (let b = 0; b < batch; b++) count += present[b] ? 1 : 0;
  switch (head.kind) {
    case 'classification': {
      const classes = need(head, 'classes', targets.classes);
      checkLength(head, 'classes', classes.length, batch, 'one per image');
      const total = maskedSoftmaxCrossEntropy(output, classes, present);
      return { total, parts: {}, present: count };
    }
    case 'multilabel': {
      const multi = need(head, 'multi', targets.multi);
      checkLength(head, 'multi', multi.length, batch * head.numClasses, `[${batch}, C]`);
      return { total: maskedSigmoidBce(output, multi, present), parts: {}, present: count };
    }
    case 'detection':
      return detectionLoss(head, output, need(head, 'boxes', targets.boxes), present);
    case 'segmentation':
      return segmentationLoss(
        head,
        output,
        need(head, 'masks', targets.masks),
        present,
        options.segmentation ?? {},
      );
  }
}
