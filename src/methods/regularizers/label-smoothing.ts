// Soft targets and the cross-entropy that takes them. Label smoothing, mixup and cutmix all
// produce target distributions instead of class indices, so every loss here is written against
// a [n, C] target matrix; hard labels are the special case smoothing = 0.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';

/**
 * One row per label: (1 − ε)·onehot + ε/C, so the true class gets 1 − ε + ε/C and every other
 * class ε/C (the convention of torch's CrossEntropyLoss(label_smoothing=ε); Szegedy et al. 2016
 * spread ε uniformly over all C classes, the true one included).
 */
export function softTargets(
  labels: ArrayLike<number>,
  numClasses: number,
  smoothing = 0,
): tf.Tensor2D {
  if (!(Number.isInteger(numClasses) && numClasses > 0)) {
    throw badUsage(`numClasses: must be a positive whole number (got ${numClasses})`);
  }
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw badUsage(`label smoothing: must be in [0, 1] (got ${smoothing})`);
  }
  const n = labels.length;
  const off = smoothing / numClasses;
  const on = 1 - smoothing + off;
  const data = new Float32Array(n * numClasses).fill(off);
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) {
      throw badUsage(
        `label smoothing: label ${label} at position ${i} is not a class index in [0, ${numClasses}) (unlabelled samples cannot be trained on)`,
      );
    }
    data[i * numClasses + label] = on;
  }
  return tf.tensor2d(data, [n, numClasses]);
}

/**
 * Mean over the batch of −Σ_c t_c · log_softmax(z)_c. log_softmax subtracts the row max before
 * exponentiating, so large logits do not overflow; the gradient w.r.t. z is (softmax(z) − t) / n
 * when each target row sums to 1.
 */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (logits.rank !== 2 || !tf.util.arraysEqual(logits.shape, targets.shape)) {
    throw badUsage(
      `softCrossEntropy: logits ${JSON.stringify(logits.shape)} and targets ${JSON.stringify(targets.shape)} must both be [n, classes]`,
    );
  }
  return tf.tidy(() => {
    const perSample = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
    return tf.mean(perSample) as tf.Scalar;
  });
}

/** Cross-entropy of logits against class indices with label smoothing ε (0: plain CE). */
export function smoothedCrossEntropy(
  logits: tf.Tensor2D,
  labels: ArrayLike<number>,
  smoothing = 0,
): tf.Scalar {
  return tf.tidy(() => softCrossEntropy(logits, softTargets(labels, logits.shape[1], smoothing)));
}
