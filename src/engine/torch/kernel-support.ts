// Shared by the torch kernel files: the kernel signature, input lookup, dtype settling and the
// bias + activation tail of tfjs's fused kernels.
import type * as tf from '@tensorflow/tfjs';
import type { TorchAddon } from './addon.js';
import type { TorchBackend } from './backend.js';

export type Args = Parameters<tf.KernelFunc>[0];
/** A native kernel: its output(s), or null to send these inputs to the cpu fallback. */
export type Impl = (
  args: Args,
  backend: TorchBackend,
  addon: TorchAddon,
) => tf.TensorInfo | tf.TensorInfo[] | null;

export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`torch backend: missing input ${name}`);
  return t;
}

/**
 * Casts a fresh native result to the dtype tfjs gives the kernel's output where libtorch's
 * differs (int32 sums are int64 there, int32 / int32 is float, float floor-division is float).
 */
export function settle(addon: TorchAddon, h: number, dtype: tf.DataType): number {
  if (dtype === 'bool') return h;
  const c = addon.cast(h, dtype as 'float32' | 'int32');
  addon.free(h);
  return c;
}

/** Activations a fused kernel can apply natively, as unary ops of the addon. */
const ACTIVATIONS: Record<string, string | null> = {
  linear: null,
  relu: 'Relu',
  relu6: 'Relu6',
  sigmoid: 'Sigmoid',
};

/** Adds the bias and applies the activation of a fused kernel to a fresh result `h`. */
export function biasAndActivation(
  inputs: tf.NamedTensorInfoMap,
  activation: string,
  backend: TorchBackend,
  addon: TorchAddon,
  h: number,
): number {
  let out = h;
  if (inputs.bias) {
    const b = addon.binary('Add', out, backend.handleOf(inputs.bias));
    addon.free(out);
    out = b;
  }
  const op = ACTIVATIONS[activation];
  if (op) {
    const a = addon.unary(op, out);
    addon.free(out);
    out = a;
  }
  return out;
}

export function fusedSupported(attrs: tf.NamedAttrMap | undefined): boolean {
  const activation = (attrs?.activation as string | undefined) ?? 'linear';
  return activation in ACTIVATIONS && attrs?.dataFormat !== 'NCHW';
}
