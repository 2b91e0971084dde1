// Training kernels for the tfjs wasm backend. wasm 4.22 runs conv nets forward but lacks the
// kernels their gradients call, and its MaxPoolGrad drops the gradient of windows whose max
// is negative; these fill the gap by composing kernels wasm already has. Registration is for
// backendName 'wasm' only. Missing kernels are added only if still missing (a second call,
// or a future wasm release that ships its own, wins); replacements overwrite whatever is
// there unless it is already ours. Either way calling this twice is harmless.
import * as tf from '@tensorflow/tfjs';
// Load wasm's own kernel table first, so it cannot later overwrite our replacements.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/** Kernels wasm 4.22 does not have. */
export const addedWasmKernels: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/** Kernels wasm 4.22 has but gets wrong. */
export const replacedWasmKernels: readonly tf.KernelConfig[] = [maxPoolGradConfig];

export function registerWasmTrainingKernels(): void {
  for (const config of addedWasmKernels) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
  for (const config of replacedWasmKernels) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
