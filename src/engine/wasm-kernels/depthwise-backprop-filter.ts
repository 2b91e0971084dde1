// DepthwiseConv2dNativeBackpropFilter for wasm (filter gradient of depthwise / separable /
// fused depthwise convs: MobileNet's blocks). The wasm backend ships without it. For each
// filter tap (i, j): dW[i, j, c, q] = Σ_rows window(i, j)[row, c] · dy[row, c*mult + q].
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';
import { convWindows } from './conv-windows.js';

const depthwiseBackpropFilter: tf.KernelFunc = (args) => {
  const { backend, attrs, input } = kernelArgs<tf.DepthwiseConv2dNativeBackpropFilterAttrs>(args);
  const x = input('x');
  const dy = input('dy');
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const [, , inC, mult] = filterShape;
  return composeKernel(backend, [x, dy], (xt, dyt) => {
    const windows = convWindows(xt as tf.Tensor4D, info);
    const dy3 = tf.reshape(dyt, [windows.rows, inC, mult]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < info.filterHeight; i++) {
      for (let j = 0; j < info.filterWidth; j++) {
        taps.push(
          tf.tidy(() =>
            tf.sum(tf.mul(tf.reshape(windows.at(i, j), [windows.rows, inC, 1]), dy3), 0),
          ),
        );
      }
    }
    windows.padded.dispose();
    return tf.reshape(tf.stack(taps), filterShape);
  });
};

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
