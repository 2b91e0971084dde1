// The input seen by one filter tap: for kernel offset (i, j), the [N, outH, outW, C] grid of
// input pixels that tap multiplies, taken from the zero-padded NHWC input with the conv's
// strides and dilations. Both filter gradients are sums of such windows times dy.
// Padding comes from backend_util.computeConv2DInfo, so 'same' / 'valid' / explicit rules
// are tfjs's own.
import * as tf from '@tensorflow/tfjs';

export type ConvInfo = tf.backend_util.Conv2DInfo;

export interface ConvWindows {
  /** Rows of the flattened windows: batch * outHeight * outWidth. */
  readonly rows: number;
  /** The window for tap (i, j); the caller owns (and disposes) it. */
  at(i: number, j: number): tf.Tensor4D;
}

/**
 * `x` is NHWC. Returns the padded copy (the caller disposes it) and its windows; pooling
 * pads with -Infinity so padding never wins a max.
 */
export function convWindows(
  x: tf.Tensor4D,
  info: ConvInfo,
  padValue = 0,
): ConvWindows & { padded: tf.Tensor4D } {
  const { outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const [n, h, w, c] = x.shape;
  const { top, left } = info.padInfo;
  // Only as much bottom/right padding as the last window reaches; extra rows are never read.
  const needH = (outHeight - 1) * strideHeight + (info.filterHeight - 1) * dilationHeight + 1;
  const needW = (outWidth - 1) * strideWidth + (info.filterWidth - 1) * dilationWidth + 1;
  const bottom = Math.max(0, needH - top - h);
  const right = Math.max(0, needW - left - w);
  const padded: tf.Tensor4D =
    top === 0 && left === 0 && bottom === 0 && right === 0
      ? tf.clone(x)
      : tf.pad(
          x,
          [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          padValue,
        );
  const unitStride = strideHeight === 1 && strideWidth === 1;
  return {
    padded,
    rows: n * outHeight * outWidth,
    at(i, j) {
      const r0 = i * dilationHeight;
      const c0 = j * dilationWidth;
      if (unitStride) return tf.slice(padded, [0, r0, c0, 0], [n, outHeight, outWidth, c]);
      return tf.stridedSlice(
        padded,
        [0, r0, c0, 0],
        [n, r0 + (outHeight - 1) * strideHeight + 1, c0 + (outWidth - 1) * strideWidth + 1, c],
        [1, strideHeight, strideWidth, 1],
      ) as tf.Tensor4D;
    },
  };
}
