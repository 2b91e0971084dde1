// Test support: a fast cpu Conv2DBackpropFilter for tests that use the cpu backend as the
// reference for training. Tests only; nothing in the library imports it.
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';

/**
 * tfjs-backend-cpu's Conv2DBackpropFilter is a scalar loop ~60x slower than its forward conv: it
 * is 90% of the cpu step (InceptionV3 @75 px, its smallest size: 60-75 of 65-80 s on 2 cores;
 * MobileNetV2 @96: 16 of 23 s), and tfjs's fused conv computes it even for a frozen kernel. For
 * cpu reference runs it is swapped for the same sum computed by cpu's own forward conv:
 * dW[i, j, c, o] = Σ_{n,y,x} xpad[n, y·s + i, x·s + j, c] · dy[n, y, x, o] is a stride-1 conv of
 * xpad transposed to [C, H, W, N] with dy transposed to [outH, outW, N, O] as the filter, dilated
 * by the stride. That is a different algorithm from the wasm kernel under test (a matmul per
 * filter tap over strided windows), and registry-train.test.ts checks it against the stock cpu kernel.
 */
export function referenceFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') throw new Error('reference: NHWC only');
  const { filterShape, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [n, h, w, c] = x.shape;
  const needH = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const needW = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  const { top, left } = info.padInfo;
  return tf.tidy(() => {
    // 'valid' convs may never read the last rows / columns: pad what is read, crop the rest.
    const padded = tf.slice(
      tf.pad(x, [
        [0, 0],
        [top, Math.max(0, needH - top - h)],
        [left, Math.max(0, needW - left - w)],
        [0, 0],
      ]),
      [0, 0, 0, 0],
      [n, needH, needW, c],
    );
    const out = tf.conv2d(
      tf.transpose(padded, [3, 1, 2, 0]),
      tf.transpose(dy, [1, 2, 0, 3]),
      1,
      'valid',
      'NHWC',
      [info.strideHeight, info.strideWidth],
    );
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

const referenceFilterGradientConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const { backend, attrs, input } = kernelArgs<tf.Conv2DBackpropFilterAttrs>(args);
    return composeKernel(backend, [input('x'), input('dy')], (x, dy) =>
      referenceFilterGradient(x as tf.Tensor4D, dy as tf.Tensor4D, attrs),
    );
  },
};

/** Runs `f` with the cpu backend's Conv2DBackpropFilter swapped for the reference above. */
export async function withReferenceFilterGradient<T>(f: () => Promise<T>): Promise<T> {
  const stock = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
  if (stock === undefined) throw new Error('cpu backend has no Conv2DBackpropFilter');
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'cpu');
  tf.registerKernel(referenceFilterGradientConfig);
  try {
    return await f();
  } finally {
    tf.unregisterKernel(tf.Conv2DBackpropFilter, 'cpu');
    tf.registerKernel(stock);
  }
}
