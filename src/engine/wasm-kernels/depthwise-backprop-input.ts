// DepthwiseConv2dNativeBackpropInput for wasm (input gradient of depthwise / separable /
// fused depthwise convs; needed whenever anything below a depthwise layer trains). The wasm
// backend ships without it. dx is a stride-1 depthwise conv of dy — zero-stuffed by the
// stride, padded so the spatially flipped filter reaches every input pixel — using the
// forward DepthwiseConv2dNative kernel wasm already has. Channel multiplier q > 1 runs as
// inC*mult channels of multiplier 1, then sums each input channel's mult outputs.
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';
import { padOrCrop, zeroStuff } from './spatial.js';

const depthwiseBackpropInput: tf.KernelFunc = (args) => {
  const { backend, attrs, input } = kernelArgs<tf.DepthwiseConv2dNativeBackpropInputAttrs>(args);
  const dy = input('dy');
  const filter = input('filter');
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const [n, inH, inW, inC] = inputShape;
  const mult = filter.shape[3]!;
  const { filterHeight: fh, filterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  return composeKernel(backend, [dy, filter], (dyt, ft) => {
    const stuffed = zeroStuff(dyt as tf.Tensor4D, info.strideHeight, info.strideWidth);
    // Padded row k holds stuffed row k - before; dx row h reads padded rows h + t*dh.
    const [, sH, sW] = stuffed.shape;
    const beforeH = (fh - 1) * dh - info.padInfo.top;
    const beforeW = (fw - 1) * dw - info.padInfo.left;
    const afterH = inH + info.padInfo.top - sH;
    const afterW = inW + info.padInfo.left - sW;
    const framed = padOrCrop(stuffed, beforeH, afterH, beforeW, afterW);
    const flipped = tf.reshape(tf.reverse(ft, [0, 1]), [fh, fw, inC * mult, 1]) as tf.Tensor4D;
    const dx = tf.depthwiseConv2d(framed, flipped, 1, 'valid', 'NHWC', [dh, dw]);
    return mult === 1 ? dx : tf.sum(tf.reshape(dx, [n, inH, inW, inC, mult]), 4);
  });
};

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};
