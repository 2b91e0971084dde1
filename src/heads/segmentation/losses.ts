// Semantic segmentation losses on logits [B, H, W, C] and integer labels [B, H, W]: weighted
// cross-entropy (as PyTorch's CrossEntropyLoss with weight and ignore_index), soft Dice (Milletari
// et al. 2016, over softmax probabilities) and softmax focal loss (Lin et al. 2017), plus a
// weighted sum of them. Pixels whose label is `ignoreIndex` (default 255) contribute nothing.
//
// The true class is picked with a one-hot mask, never tf.gather: gather's gradient is a scatter
// that is very slow on the cpu fallback. tf.oneHot gives an all-zero row for any label outside
// [0, C), so such labels are dropped exactly like the ignore index (label maps are checked when
// they are loaded; checking here would need a GPU→CPU read every step).
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';

/** A loss of (logits [B, H, W, C], labels [B, H, W]) → scalar. */
export type SegmentationLoss = (logits: tf.Tensor4D, labels: tf.Tensor3D) => tf.Scalar;

export interface IgnoreOptions {
  /** Label value of pixels to leave out. Default 255. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends IgnoreOptions {
  /** One weight per class (PyTorch's `weight`); default all 1. */
  classWeights?: readonly number[];
}

export interface DiceOptions extends IgnoreOptions {
  /** Added to numerator and denominator so empty classes give Dice 1, not 0/0. Default 1. */
  smooth?: number;
}

export interface FocalOptions extends IgnoreOptions {
  /** Focusing exponent γ; 0 gives plain cross-entropy. Default 2. */
  gamma?: number;
}

// Keeps Σ-weight denominators away from 0 only when nothing counts (then the numerator is 0 too).
const EMPTY_DENOMINATOR = 1e-12;

/** One-hot targets [B, H, W, C] with all-zero rows at ignored (or out-of-range) pixels. */
function maskedOneHot(logits: tf.Tensor4D, labels: tf.Tensor3D, ignoreIndex: number): tf.Tensor4D {
  if (logits.rank !== 4 || labels.rank !== 3) {
    throw badUsage(
      `segmentation losses take logits [B, H, W, C] and labels [B, H, W] (got ranks ${logits.rank} and ${labels.rank})`,
    );
  }
  const [b, h, w] = logits.shape;
  if (labels.shape[0] !== b || labels.shape[1] !== h || labels.shape[2] !== w) {
    throw badUsage(
      `labels shape [${labels.shape}] does not match logits [${logits.shape}] in B, H, W`,
    );
  }
  const C = logits.shape[3];
  const ints = tf.cast(labels, 'int32') as tf.Tensor3D;
  const keep = tf.expandDims(tf.cast(tf.notEqual(ints, ignoreIndex), 'float32'), -1);
  // The explicit mask matters only when ignoreIndex is itself in [0, C).
  return tf.mul(tf.oneHot(ints, C), keep) as tf.Tensor4D;
}

/**
 * Σ w_y · (−log softmax(x)_y) / Σ w_y over non-ignored pixels — PyTorch's
 * CrossEntropyLoss(weight, ignore_index, reduction='mean'); without weights, the plain mean.
 * An all-ignored batch gives 0.
 */
export function segmentationCrossEntropy(
  logits: tf.Tensor4D,
  labels: tf.Tensor3D,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  const C = logits.shape[3];
  const weights = options.classWeights;
  if (weights && weights.length !== C) {
    throw badUsage(`classWeights has ${weights.length} entries for ${C} classes`);
  }
  return tf.tidy(() => {
    const target = maskedOneHot(logits, labels, options.ignoreIndex ?? 255);
    const weighted = weights ? tf.mul(target, tf.tensor1d(weights as number[])) : target;
    const nllTimesWeight = tf.neg(tf.sum(tf.mul(weighted, tf.logSoftmax(logits, -1))));
    return tf.div(nllTimesWeight, tf.maximum(tf.sum(weighted), EMPTY_DENOMINATOR)) as tf.Scalar;
  });
}

/**
 * 1 − mean over classes of (2 Σ p·g + s) / (Σ p + Σ g + s), sums over every non-ignored pixel
 * of the batch (not per image), p = softmax probabilities, g = one-hot labels. Every class
 * counts in the mean, so a class absent from the batch is pushed towards predicting none of it.
 */
export function diceLoss(
  logits: tf.Tensor4D,
  labels: tf.Tensor3D,
  options: DiceOptions = {},
): tf.Scalar {
  const smooth = options.smooth ?? 1;
  if (!(smooth >= 0)) throw badUsage(`dice smooth must be >= 0 (got ${smooth})`);
  return tf.tidy(() => {
    const target = maskedOneHot(logits, labels, options.ignoreIndex ?? 255);
    const keep = tf.sum(target, -1, true);
    const probs = tf.mul(tf.softmax(logits, -1), keep);
    const axes = [0, 1, 2];
    const intersection = tf.sum(tf.mul(probs, target), axes);
    const denominator = tf.add(tf.add(tf.sum(probs, axes), tf.sum(target, axes)), smooth);
    const ratio = tf.div(
      tf.add(tf.mul(intersection, 2), smooth),
      tf.maximum(denominator, EMPTY_DENOMINATOR),
    );
    // An all-ignored batch is 0/0 when smooth = 0: count every class as Dice 1 then. The flag is
    // 0 or 1 and comes from the labels alone, so it stays off the gradient tape (tf.where on a
    // comparison of logits would need a gradient for Greater, which TF.js lacks).
    const anyPixel = tf.minimum(tf.sum(target), 1);
    const dice = tf.add(tf.mul(ratio, anyPixel), tf.sub(1, anyPixel));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

/**
 * Mean over non-ignored pixels of −(1 − p_t)^γ log p_t, p_t = softmax probability of the true
 * class (softmax focal loss, no α). An all-ignored batch gives 0.
 */
export function segmentationFocalLoss(
  logits: tf.Tensor4D,
  labels: tf.Tensor3D,
  options: FocalOptions = {},
): tf.Scalar {
  const gamma = options.gamma ?? 2;
  if (!(gamma >= 0)) throw badUsage(`focal gamma must be >= 0 (got ${gamma})`);
  return tf.tidy(() => {
    const target = maskedOneHot(logits, labels, options.ignoreIndex ?? 255);
    const logPt = tf.sum(tf.mul(target, tf.logSoftmax(logits, -1)), -1);
    // 1 − p_t as −expm1(log p_t) keeps precision near p_t = 1; the floor keeps the gradient of
    // base^γ finite at base 0 (ignored pixels, and γ < 1), changing the value by < 1e-30^γ.
    const base = tf.maximum(tf.neg(tf.expm1(logPt)), 1e-30);
    const focal = tf.neg(tf.mul(tf.pow(base, gamma), logPt));
    const count = tf.maximum(tf.sum(target), EMPTY_DENOMINATOR);
    return tf.div(tf.sum(focal), count) as tf.Scalar;
  });
}

/** Σ weight · loss over the parts, as one loss (e.g. cross-entropy + 0.5 · Dice). */
export function combinedLoss(
  parts: readonly { loss: SegmentationLoss; weight: number }[],
): SegmentationLoss {
  if (parts.length === 0) throw badUsage('combinedLoss needs at least one part');
  for (const { weight } of parts) {
    if (!Number.isFinite(weight))
      throw badUsage(`combinedLoss weight must be finite (got ${weight})`);
  }
  return (logits, labels) =>
    tf.tidy(
      () =>
        tf.addN(parts.map(({ loss, weight }) => tf.mul(loss(logits, labels), weight))) as tf.Scalar,
    );
}
