// tf.oneHot refuses depth 1 ("depth must be >=2"), but a one-category detector or a one-class
// head is legitimate: its one-hot column is simply "label == 0". Every other depth is tf.oneHot
// (labels outside [0, depth) give all-zero rows either way).
import * as tf from '@tensorflow/tfjs';

export function oneHotAnyDepth(indices: tf.Tensor, depth: number): tf.Tensor {
  if (depth >= 2) return tf.oneHot(indices, depth);
  return tf.tidy(() => tf.expandDims(tf.cast(tf.equal(indices, 0), 'float32'), -1));
}
