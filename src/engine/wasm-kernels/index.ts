// Training kernels for the tfjs wasm backend. wasm 4.22 runs conv nets forward but lacks the
// kernels their gradients call, its MaxPoolGrad drops the gradient of windows whose max is
// negative, and its AvgPoolGrad (like cpu's) is wrong at 'same' borders; these fill the gap by
// composing kernels wasm already has. The AvgPoolGrad fix is registered for cpu too. Registration is for
// backendName 'wasm' only. Missing kernels are added only if still missing (a second call,
// or a future wasm release that ships its own, wins); replacements overwrite whatever is
// there unless it is already ours. Either way calling this twice is harmless.
import * as tf from '@tensorflow/tfjs';
// Load wasm's own kernel table first, so it cannot later overwrite our replacements.
import '@tensorflow/tfjs-backend-wasm';
import { avgPoolGradCpuConfig, avgPoolGradWasmConfig } from './avg-pool-grad.js';
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
export const replacedWasmKernels: readonly tf.KernelConfig[] = [
  maxPoolGradConfig,
  avgPoolGradWasmConfig,
];

/** Kernels the cpu backend (4.22) gets wrong. */
export const replacedCpuKernels: readonly tf.KernelConfig[] = [avgPoolGradCpuConfig];

function replace(config: tf.KernelConfig): void {
  const current = tf.getKernel(config.kernelName, config.backendName);
  if (current?.kernelFunc === config.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Corrects the cpu backend's wrong kernels; any backend may run them (torch falls back to cpu). */
export function registerCpuKernelFixes(): void {
  for (const config of replacedCpuKernels) replace(config);
}

export function registerWasmTrainingKernels(): void {
  for (const config of addedWasmKernels) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
  for (const config of replacedWasmKernels) replace(config);
}
