// Conv2DBackpropFilter for wasm (the filter gradient of conv2d and fused conv2d, which
// tfjs-layers' Conv2D uses). The wasm backend ships without it. For each filter tap (i, j):
// dW[i, j] = window(i, j)ᵀ · dy, with windows flattened to [N*outH*outW, inC] and dy to
// [N*outH*outW, outC] — one matmul per tap, as many flops as the forward conv.
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';
import { convWindows } from './conv-windows.js';

// tfjs's gradients never pass dilations here; accept them if a caller does.
type Attrs = tf.Conv2DBackpropFilterAttrs & { dilations?: [number, number] | number };

const conv2DBackpropFilter: tf.KernelFunc = (args) => {
  const { backend, attrs, input } = kernelArgs<Attrs>(args);
  const x = input('x');
  const dy = input('dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const dilations = attrs.dilations ?? 1;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  const channelsFirst = format === 'channelsFirst';
  return composeKernel(backend, [x, dy], (xt, dyt) => {
    const xs = (channelsFirst ? tf.transpose(xt, [0, 2, 3, 1]) : xt) as tf.Tensor4D;
    const dys = channelsFirst ? tf.transpose(dyt, [0, 2, 3, 1]) : dyt;
    const windows = convWindows(xs, info);
    const dy2 = tf.reshape(dys, [windows.rows, info.outChannels]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < info.filterHeight; i++) {
      for (let j = 0; j < info.filterWidth; j++) {
        // Per-tap tidy: keep only the [inC, outC] result, not the window.
        taps.push(
          tf.tidy(() =>
            tf.matMul(
              tf.reshape(windows.at(i, j), [windows.rows, info.inChannels]),
              dy2,
              true,
              false,
            ),
          ),
        );
      }
    }
    windows.padded.dispose();
    return tf.reshape(tf.stack(taps), filterShape);
  });
};

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
