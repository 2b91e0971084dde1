// Small NHWC spatial reshuffles shared by the backprop kernels: zero-stuffing by a stride
// (the adjoint of a strided read) and signed pad-or-crop of the two spatial axes.
import * as tf from '@tensorflow/tfjs';

/** Inserts (stride - 1) zeros between rows and between columns; no trailing zeros. */
export function zeroStuff(x: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [n, h * strideH, w * strideW, c]) as tf.Tensor4D,
    [0, 0, 0, 0],
    [n, (h - 1) * strideH + 1, (w - 1) * strideW + 1, c],
  );
}

/** Zero-pads (positive amounts) or crops (negative amounts) the two spatial axes. */
export function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let out = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    out = tf.pad(out, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    out = tf.slice(
      out,
      [0, Math.max(0, -top), Math.max(0, -left), 0],
      [n, h + top + bottom, w + left + right, c],
    );
  }
  return out;
}
