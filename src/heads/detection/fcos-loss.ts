// The FCOS training objective over a batch: targets for every location of every image (in the
// output's order), then focal loss over all locations / the number of positives, centre-ness-
// weighted GIoU on the positive locations' decoded distances, and centre-ness BCE on the
// positives. Crowd boxes are left out of the targets (they are ignored in evaluation too).
import * as tf from '@tensorflow/tfjs';
import type { BoxAnnotation } from '../../data/detection/types.js';
import { oneHotAnyDepth } from '../one-hot.js';
import { fcosTargets } from './fcos-targets.js';
import {
  channelsPerLocation,
  type DetectorLayout,
  levelSizes,
  locationCount,
  MAX_RAW_DISTANCE,
} from './layout.js';
import { centernessLoss, giouLoss, sigmoidFocalLoss } from './losses.js';

export interface BatchTargets {
  /** Per location of every image: category or −1. */
  labels: Int32Array;
  /** Per location: l, t, r, b in pixels. */
  distances: Float32Array;
  centerness: Float32Array;
}

export function batchTargets(
  boxesPerImage: readonly (readonly BoxAnnotation[])[],
  layout: DetectorLayout,
): BatchTargets {
  const perImage = locationCount(layout);
  const labels = new Int32Array(boxesPerImage.length * perImage);
  const distances = new Float32Array(labels.length * 4);
  const centerness = new Float32Array(labels.length);
  boxesPerImage.forEach((boxes, b) => {
    const levels = fcosTargets(
      boxes.filter((box) => !box.iscrowd),
      layout.inputSize,
      layout.inputSize,
      { strides: layout.strides },
    );
    let at = b * perImage;
    for (const level of levels) {
      labels.set(level.labels, at);
      distances.set(level.distances, at * 4);
      centerness.set(level.centerness, at);
      at += level.labels.length;
    }
  });
  return { labels, distances, centerness };
}

export interface FcosLossParts {
  total: tf.Scalar;
  cls: tf.Scalar;
  box: tf.Scalar;
  ctr: tf.Scalar;
  positives: number;
}

/** Stride of each location of one image, in output order. */
function locationStrides(layout: DetectorLayout): Float32Array {
  const out: number[] = [];
  for (const l of levelSizes(layout))
    for (let i = 0; i < l.height * l.width; i++) out.push(l.stride);
  return Float32Array.from(out);
}

export function fcosLoss(
  output: tf.Tensor,
  targets: BatchTargets,
  layout: DetectorLayout,
): FcosLossParts {
  const C = layout.numClasses;
  const strides = locationStrides(layout);
  const rows = targets.labels.length;
  const mask = new Float32Array(rows);
  let positives = 0;
  targets.labels.forEach((label, i) => {
    if (label >= 0) {
      mask[i] = 1;
      positives++;
    }
  });
  // Box and centre-ness terms run over every location with the negatives weighted 0 (their
  // centre-ness target and mask are 0) rather than gathering the positives: the gather's
  // gradient (UnsortedSegmentSum) is quadratic in tfjs's cpu kernel.
  const parts = tf.tidy(() => {
    const flat = tf.reshape(output, [-1, channelsPerLocation(layout)]);
    const logits = tf.slice(flat, [0, 0], [-1, C]);
    const oneHot = oneHotAnyDepth(tf.tensor1d(targets.labels, 'int32'), C) as tf.Tensor2D;
    const cls = tf.div(sigmoidFocalLoss(logits, oneHot), Math.max(1, positives)) as tf.Scalar;
    if (positives === 0) return { cls, box: tf.scalar(0), ctr: tf.scalar(0) };
    const raw = tf.minimum(tf.slice(flat, [0, C], [-1, 4]), MAX_RAW_DISTANCE);
    const stride = tf.tensor2d(
      Float32Array.from({ length: rows }, (_, i) => strides[i % strides.length]),
      [rows, 1],
    );
    const predicted = tf.mul(tf.exp(raw), stride) as tf.Tensor2D;
    const ctrTarget = tf.tensor1d(targets.centerness);
    const box = giouLoss(predicted, tf.tensor2d(targets.distances, [rows, 4]), ctrTarget);
    const ctrLogits = tf.reshape(tf.slice(flat, [0, C + 4], [-1, 1]), [-1]) as tf.Tensor1D;
    const ctr = centernessLoss(ctrLogits, ctrTarget, tf.tensor1d(mask));
    return { cls, box, ctr };
  });
  const total = tf.tidy(() => tf.addN([parts.cls, parts.box, parts.ctr]) as tf.Scalar);
  return { total, ...parts, positives };
}
