// Loads the native libtorch engine (native/, built by `npm run build:native`) if it was built.
// Node-only; nothing here runs unless the torch backend is asked for or probed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type TorchDType = 'float32' | 'int32' | 'bool';
export type Handle = number;

/** The addon's functions (native/src/addon.cc). Handles name native tensors. */
export interface TorchAddon {
  create(
    values: Float32Array | Int32Array | Uint8Array,
    shape: number[],
    dtype: TorchDType,
  ): Handle;
  read(h: Handle): Float32Array | Int32Array | Uint8Array;
  free(h: Handle): void;
  /** Live tensors and their bytes in this environment; cachedBytes: freed blocks kept for reuse (process-wide). */
  stats(): { tensors: number; bytes: number; cachedBytes?: number };
  threads(n?: number): number;
  unary(op: string, x: Handle): Handle;
  binary(op: string, a: Handle, b: Handle): Handle;
  reduce(op: string, x: Handle, axes: number[], keepDims: boolean): Handle;
  argReduce(op: 'ArgMax' | 'ArgMin', x: Handle, axis: number): Handle;
  cast(x: Handle, dtype: TorchDType): Handle;
  reshape(x: Handle, shape: number[]): Handle;
  transpose(x: Handle, perm: number[]): Handle;
  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle;
  /**
   * x NHWC; w HWIO, or [H, W, C, M] when depthwise; pads top, bottom, left, right. A number for
   * `depthwise` is a group count: w is then HWIO [H, W, C/groups, O].
   */
  conv2d(
    x: Handle,
    w: Handle,
    strides: number[],
    pads: number[],
    dilations: number[],
    depthwise: boolean | number,
  ): Handle;
  /** 'input': (inputShape, dy, w) -> dx; 'filter': (x, dy, filterShape) -> dw. */
  conv2dBackprop(
    which: 'input' | 'filter',
    xOrShape: Handle | number[],
    dy: Handle,
    wOrShape: Handle | number[],
    strides: number[],
    pads: number[],
    dilations: number[],
    depthwise: boolean | number,
  ): Handle;
  /** (x - mean) * rsqrt(variance + epsilon) * scale + offset; 0 for a missing offset/scale. */
  batchNorm(
    x: Handle,
    mean: Handle,
    variance: Handle,
    offset: Handle | 0,
    scale: Handle | 0,
    epsilon: number,
  ): Handle;
  /**
   * Training-mode batch norm over all axes but the last: [y, mean, biased variance, invstd].
   * scale and offset are per-channel vectors.
   */
  batchNormTrain(
    x: Handle,
    scale: Handle,
    offset: Handle,
    epsilon: number,
  ): [Handle, Handle, Handle, Handle];
  /** Gradients of batchNormTrain through the batch statistics: [dx, dscale, doffset]. */
  batchNormTrainGrad(
    dy: Handle,
    x: Handle,
    scale: Handle,
    mean: Handle,
    invstd: Handle,
    epsilon: number,
  ): [Handle, Handle, Handle];
  /** dy * (0 < x <= max): the Relu (max Infinity) and Relu6 (max 6) gradients in one pass. */
  reluGrad(dy: Handle, x: Handle, max: number): Handle;
  clamp(x: Handle, lo: number, hi: number): Handle;
  where(condition: Handle, a: Handle, b: Handle): Handle;
  fillLike(like: Handle, value: number): Handle;
  /** paddings flattened in tfjs order: [before0, after0, before1, after1, ...]. */
  pad(x: Handle, paddings: number[], value: number): Handle;
  slice(x: Handle, begin: number[], size: number[]): Handle;
  tile(x: Handle, reps: number[]): Handle;
  step(x: Handle, alpha: number): Handle;
  /** NHWC pooling; 'avg' divides by the in-bounds count of each window, as tfjs does. */
  pool(
    kind: 'max' | 'avg',
    x: Handle,
    kernel: number[],
    strides: number[],
    pads: number[],
    dilations: number[],
  ): Handle;
  poolGrad(
    kind: 'max' | 'avg',
    dy: Handle,
    x: Handle,
    kernel: number[],
    strides: number[],
    pads: number[],
    dilations: number[],
  ): Handle;
  concat(parts: Handle[], axis: number): Handle;
  softmax(x: Handle, dim: number): Handle;
  /** float32 result; indices outside [0, depth) give a row of `off`. */
  oneHot(indices: Handle, depth: number, on: number, off: number): Handle;
  stack(parts: Handle[], axis: number): Handle;
  /** Along `axis`, without batch dims: the axis is replaced by the indices' shape. */
  gather(x: Handle, indices: Handle, axis: number): Handle;
  flip(x: Handle, axes: number[]): Handle;
  addN(parts: Handle[]): Handle;
  leakyRelu(x: Handle, alpha: number): Handle;
  /** conv2d / conv2dBackprop take a group count; absent from addons built before they did. */
  readonly convGroups?: boolean;
  readonly unaryOps: string[];
  readonly binaryOps: string[];
}

export const ADDON_PATH = fileURLToPath(
  new URL('../../../native/build/Release/vt_torch.node', import.meta.url),
);

export type AddonStatus = { ok: true; addon: TorchAddon } | { ok: false; reason: string };

let status: AddonStatus | undefined;

/** The addon, or why it cannot load (not built, or libtorch missing at run time). */
export function loadTorchAddon(): AddonStatus {
  if (status) return status;
  if (!existsSync(ADDON_PATH)) {
    status = { ok: false, reason: `the native engine is not built (${ADDON_PATH} is missing)` };
    return status;
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as TorchAddon;
    status = { ok: true, addon };
  } catch (err) {
    status = { ok: false, reason: `the native engine failed to load: ${(err as Error).message}` };
  }
  return status;
}
