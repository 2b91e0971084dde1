// ONNX describes 4-D values NCHW; the converted model holds them NHWC. The translations at that
// boundary: axes, shapes, constants broadcast against a 4-D value, conv kernels, and the weights
// a converted layer is given.
import * as tf from '@tensorflow/tfjs';
import type { OnnxTensor } from './parse.js';

export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** The NHWC axis of an NCHW `axis` (negative counts from the end) of a value of `rank`. */
export function nhwcAxis(axis: number, rank: number): number {
  return rank === 4 ? NCHW_TO_NHWC.indexOf(axis < 0 ? axis + 4 : axis) : axis;
}

/** The NCHW shape ONNX sees of an NHWC value (other ranks as they are). */
export function nchwShape(nhwc: readonly (number | null)[]): (number | null)[] {
  return nhwc.length === 4 ? [nhwc[0], nhwc[3], nhwc[1], nhwc[2]] : [...nhwc];
}

/** An ONNX constant broadcast against an NCHW value of `rank`, re-laid for NHWC. */
export function constantForNhwc(
  c: OnnxTensor,
  rank: number,
): { values: number[]; shape: number[] } {
  const values = Array.from(c.data);
  if (rank !== 4 || c.dims.length <= 1) return { values, shape: c.dims.length ? c.dims : [] };
  const dims = [...Array(4 - c.dims.length).fill(1), ...c.dims];
  const [n, ch, h, w] = dims;
  const out = new Array<number>(values.length);
  for (let a = 0; a < n; a++)
    for (let b = 0; b < ch; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out[((a * h + y) * w + x) * ch + b] = values[((a * ch + b) * h + y) * w + x];
  return { values: out, shape: NCHW_TO_NHWC.map((i) => dims[i]) };
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

/** Gives a built layer its kernel and, where the ONNX node has one, its bias. */
export function setKernel(layer: tf.layers.Layer, kernel: tf.Tensor, bias?: OnnxTensor) {
  layer.setWeights(bias ? [kernel, tf.tensor1d(bias.data as Float32Array)] : [kernel]);
}
