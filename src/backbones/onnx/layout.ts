// How an ONNX value is held in the converted model. Each computed value carries `perm`: held axis
// i is ONNX axis perm[i]. Images are held NHWC (perm [0, 2, 3, 1]), other ranks as ONNX sees them
// (identity) — the canonical layouts; a Transpose only composes permutations, and an operator
// that needs a layout asks for it (arrangePerm), which costs one permute layer where it differs.
// Held axis 0 is always the batch (tfjs layers' symbolic shapes are batch-first). Also here: the
// constants that broadcast against a held value, conv kernels, and the weights layers are given.
import * as tf from '@tensorflow/tfjs';
import type { OnnxTensor } from './parse.js';

export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** The layout a value of `rank` has where nothing asks otherwise: NHWC images, else as is. */
export const canonicalPerm = (rank: number): number[] =>
  rank === 4 ? [...NCHW_TO_NHWC] : Array.from({ length: rank }, (_, i) => i);

/** `axis` (negative counts from the end) as a non-negative axis of a value of `rank`. */
export const positiveAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The ONNX view's shape of a value held with `perm` in `held`. */
export function onnxShape<T>(held: readonly T[], perm: readonly number[]): T[] {
  const out = new Array<T>(held.length);
  perm.forEach((axis, i) => {
    out[axis] = held[i];
  });
  return out;
}

/** The held axis of ONNX `axis` (negative counts from the end) for a value held with `perm`. */
export const heldAxis = (perm: readonly number[], axis: number) =>
  perm.indexOf(positiveAxis(axis, perm.length));

/** The held→held permutation that turns layout `from` into layout `to` (same ONNX value). */
export const relayout = (from: readonly number[], to: readonly number[]) =>
  to.map((axis) => from.indexOf(axis));

export const sameLayout = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * An ONNX constant that broadcasts against a value of rank `perm.length` held with `perm`,
 * re-laid in the held order (a per-channel [C, 1, 1] becomes [1, 1, C] against an image), or
 * undefined where the constant has more axes than the value.
 */
export function constantFor(
  c: OnnxTensor,
  perm: readonly number[],
): { values: number[]; shape: number[] } | undefined {
  const rank = perm.length;
  const values = Array.from(c.data);
  if (c.dims.length > rank) return undefined;
  const dims = [...Array(rank - c.dims.length).fill(1), ...c.dims];
  if (c.dims.length === 0) return { values, shape: [] };
  if (c.dims.length === 1 && perm[rank - 1] === rank - 1) return { values, shape: c.dims };
  const laid = tf.tidy(() => tf.transpose(tf.tensor(values, dims), [...perm]));
  const out = { values: Array.from(laid.dataSync()), shape: laid.shape };
  laid.dispose();
  return out;
}

/** OIHW conv weights → HWIO (and ConvTranspose's [C, O/group, kh, kw] → [kh, kw, O/group, C]). */
export function hwio(w: OnnxTensor): tf.Tensor4D {
  return tf.tidy(() =>
    tf.transpose(
      tf.tensor4d(w.data as Float32Array, w.dims as [number, number, number, number]),
      [2, 3, 1, 0],
    ),
  );
}

/** Values per block when a 2-D weight is transposed in parts (16 MB of float32). */
const TRANSPOSE_BLOCK_VALUES = 1 << 22;

/**
 * W [rows, cols] → Wᵀ [cols, rows] (Gemm's transB), read a block of rows at a time: a large
 * weight (vgg's first dense layer is 411 MB) exists once, transposed, not also as read.
 */
export function transposed2d(w: OnnxTensor, blockValues = TRANSPOSE_BLOCK_VALUES): tf.Tensor2D {
  const [rows, cols] = w.dims as [number, number];
  const read =
    w.floats ?? ((first, count) => (w.data as Float32Array).subarray(first, first + count));
  const out = new Float32Array(rows * cols);
  const block = Math.max(1, Math.floor(blockValues / cols));
  for (let r0 = 0; r0 < rows; r0 += block) {
    const n = Math.min(block, rows - r0);
    const part = read(r0 * cols, n * cols);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < cols; c++) out[c * rows + r0 + r] = part[r * cols + c]!;
  }
  return tf.tensor2d(out, [cols, rows]);
}

/** Sets a layer's weights and lets go of the given tensors (the layer's variables keep them). */
export function setWeights(layer: tf.layers.Layer, weights: tf.Tensor[]) {
  layer.setWeights(weights);
  tf.dispose(weights);
}

/** Gives a built layer its kernel and, where the ONNX node has one, its bias. */
export function setKernel(layer: tf.layers.Layer, kernel: tf.Tensor, bias?: OnnxTensor) {
  setWeights(layer, bias ? [kernel, tf.tensor1d(bias.data as Float32Array)] : [kernel]);
}
