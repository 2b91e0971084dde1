// One augmented batch feeds both networks: the loader prepares it for the student (its size, its
// mean/std), and the teacher gets the same pixels in its own normalization and size. The mean/std
// change is exact (affine per channel); a size change resamples bilinearly.
import * as tf from '@tensorflow/tfjs';
import type { PreprocessConfig } from '../../../data/transforms/presets.js';

type Normalization = Pick<PreprocessConfig, 'mean' | 'std' | 'inputSize'>;

function same(a: Normalization, b: Normalization): boolean {
  return (
    a.inputSize === b.inputSize &&
    a.mean.every((m, i) => m === b.mean[i]) &&
    a.std.every((s, i) => s === b.std[i])
  );
}

/** x normalized as `from` ([0,1] pixel p -> (p - mean) / std) -> normalized as `to`, at `to`'s size. */
export function renormalize(x: tf.Tensor4D, from: Normalization, to: Normalization): tf.Tensor4D {
  if (same(from, to)) return x.clone();
  return tf.tidy(() => {
    // (p - m_t)/s_t with p = x·s_f + m_f: one scale and one shift per channel.
    const scale = tf.tensor1d(from.std.map((s, c) => s / to.std[c]));
    const shift = tf.tensor1d(from.mean.map((m, c) => (m - to.mean[c]) / to.std[c]));
    const y = tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    return y.shape[1] === to.inputSize && y.shape[2] === to.inputSize
      ? y
      : tf.image.resizeBilinear(y, [to.inputSize, to.inputSize]);
  });
}
