// Image-level classification losses with a per-image presence mask, for heads trained on batches
// where only some images carry this task's labels (multi-task learning): an absent image
// contributes nothing, the mean runs over the present images, and a batch with none gives 0 —
// still computed from the logits, so the loss is on the gradient tape with zero gradients.
// - single-label: softmax cross-entropy −log softmax(x)_y;
// - multi-label: sigmoid binary cross-entropy averaged over the classes (per-class mean, as
//   PyTorch's BCEWithLogitsLoss per image), written softplus(x) − x·y: stable for any x, and its
//   gradient is exactly sigmoid(x) − y (tfjs's relu/abs form has a wrong gradient at x = 0).
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { oneHotAnyDepth } from './one-hot.js';

/** Σ_b present_b · perImage_b / Σ_b present_b; 0 when no image is present. */
export function maskedMean(perImage: tf.Tensor1D, present: ArrayLike<number>): tf.Scalar {
  if (perImage.shape[0] !== present.length)
    throw badUsage(`presence mask: ${present.length} flags for a batch of ${perImage.shape[0]}`);
  let count = 0;
  for (let b = 0; b < present.length; b++) count += present[b] ? 1 : 0;
  return tf.tidy(() => {
    const mask = tf.tensor1d(Array.from(present, (p) => (p ? 1 : 0)));
    // where, not a product: an absent image's loss may be anything (garbage labels), even Inf.
    const kept = tf.where(tf.cast(mask, 'bool'), perImage, tf.zerosLike(perImage));
    return tf.div(tf.sum(kept), Math.max(1, count)) as tf.Scalar;
  });
}

/**
 * Mean softmax cross-entropy over the present images. `classes[b]` is image b's class; it is
 * read only where present (an absent image may hold −1).
 */
export function maskedSoftmaxCrossEntropy(
  logits: tf.Tensor,
  classes: ArrayLike<number>,
  present: ArrayLike<number>,
): tf.Scalar {
  const [batch, C] = logits.shape;
  if (logits.rank !== 2 || classes.length !== batch)
    throw badUsage(
      `classification loss: logits [${logits.shape}] and ${classes.length} labels are not [B, C] and B`,
    );
  const safe = Int32Array.from({ length: batch }, (_, b) => {
    if (!present[b]) return -1;
    const y = classes[b];
    if (!(Number.isInteger(y) && y >= 0 && y < C))
      throw badUsage(`classification loss: label ${y} of image ${b} is not a class in [0, ${C})`);
    return y;
  });
  return tf.tidy(() => {
    // oneHot(−1) is an all-zero row: an absent image's loss is exactly 0 before the mask too.
    const target = oneHotAnyDepth(tf.tensor1d(safe, 'int32'), C);
    const perImage = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits, -1)), -1)) as tf.Tensor1D;
    return maskedMean(perImage, present);
  });
}

/**
 * Mean over the present images of the per-class mean sigmoid BCE. `targets` is [B, C] row-major
 * in [0, 1] (0/1 labels, or soft ones); rows of absent images are not read.
 */
export function maskedSigmoidBce(
  logits: tf.Tensor,
  targets: ArrayLike<number>,
  present: ArrayLike<number>,
): tf.Scalar {
  const [batch, C] = logits.shape;
  if (logits.rank !== 2 || targets.length !== batch * C)
    throw badUsage(
      `multi-label loss: logits [${logits.shape}] and ${targets.length} targets are not both [B, C]`,
    );
  const safe = new Float32Array(batch * C);
  for (let b = 0; b < batch; b++) {
    if (!present[b]) continue;
    for (let c = 0; c < C; c++) {
      const y = targets[b * C + c];
      if (!(y >= 0 && y <= 1))
        throw badUsage(`multi-label loss: target ${y} of image ${b}, class ${c} is not in [0, 1]`);
      safe[b * C + c] = y;
    }
  }
  return tf.tidy(() => {
    const y = tf.tensor2d(safe, [batch, C]);
    const perElement = tf.sub(tf.softplus(logits), tf.mul(logits, y));
    return maskedMean(tf.mean(perElement, -1) as tf.Tensor1D, present);
  });
}
