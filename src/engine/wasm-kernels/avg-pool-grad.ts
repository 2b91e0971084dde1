// AvgPoolGrad for cpu and wasm, replacing theirs: tfjs 4.22's AvgPool divides each window by the
// number of in-bounds inputs (padding excluded, as TensorFlow does), but its AvgPoolGrad on both
// backends divides dy by the full window size, so with 'same' padding every border gradient is
// too small (a 3x3 window at a corner holds 4 inputs: the gradient there is 4/9 of the right
// value; InceptionV3's stride-1 'same' average pools hit this on every border pixel).
// The adjoint of the forward: dy divided by its window's in-bounds count, spread back over the
// window with the transpose of a depthwise conv of ones (DepthwiseConv2dNativeBackpropInput).
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';

const avgPoolGrad: tf.KernelFunc = (args) => {
  const { backend, attrs, input } = kernelArgs<tf.AvgPoolGradAttrs>(args);
  const dy = input('dy');
  const x = input('input');
  const { filterSize, strides, pad } = attrs;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return composeKernel(backend, [dy], (dyt) => {
    const [fH, fW] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
    // In-bounds inputs per window: the pool's own window sum over an all-ones image.
    const counts = tf.depthwiseConv2d(
      tf.ones<tf.Rank.R4>([1, h, w, 1]),
      tf.ones<tf.Rank.R4>([fH, fW, 1, 1]),
      strides,
      pad,
    );
    return tf
      .engine()
      .runKernel(
        tf.DepthwiseConv2dNativeBackpropInput,
        { dy: tf.div(dyt, counts), filter: tf.ones([fH, fW, c, 1]) },
        { strides, pad, dilations: 1, inputShape: [n, h, w, c] } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
  });
};

const configFor = (backendName: string): tf.KernelConfig => ({
  kernelName: tf.AvgPoolGrad,
  backendName,
  kernelFunc: avgPoolGrad,
});
export const avgPoolGradWasmConfig = configFor('wasm');
export const avgPoolGradCpuConfig = configFor('cpu');
