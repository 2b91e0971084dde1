// Operators on values known at import time, folded to constants: the shape arithmetic exporters
// emit (Shape → Gather/Slice → Concat → Reshape/Resize, Swin's attention masks built with
// Range/Mod/ScatterND/Where, ViT's Expand of the class token's shape). Integer data stays plain
// numbers (int64 shapes and INT64_MAX slice ends do not survive float32), floats Float32Array.
import type { NodeContext } from '../context.js';
import { positiveAxis } from '../layout.js';
import type { OnnxTensor } from '../parse.js';

export type Data = Float32Array | number[];

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function strides(dims: readonly number[]) {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1] * dims[i + 1];
  return out;
}

/** A tensor of `dims` whose entry at each multi-index is `at(index)`, typed like `like`. */
export function build(
  name: string,
  dims: number[],
  like: Data,
  at: (index: number[]) => number,
): OnnxTensor {
  const n = size(dims);
  const data: Data = like instanceof Float32Array ? new Float32Array(n) : new Array<number>(n);
  const index = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < n; k++) {
    data[k] = at(index);
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return { name, dims, data };
}

/** The flat position of a multi-index in `dims`, broadcasting (a size-1 axis reads entry 0). */
function reader(t: OnnxTensor, rank: number) {
  const dims = [...Array(rank - t.dims.length).fill(1), ...t.dims];
  const s = strides(dims);
  const data = t.data; // read once: large tensors decode on each read (parse.ts)
  return (index: number[]) =>
    data[index.reduce((flat, v, d) => flat + (dims[d] === 1 ? 0 : v) * s[d], 0)];
}

/** NumPy broadcasting of constants, entry by entry. */
export function broadcast(
  name: string,
  inputs: OnnxTensor[],
  f: (...v: number[]) => number,
  float = inputs.some((t) => t.data instanceof Float32Array),
): OnnxTensor {
  const rank = Math.max(...inputs.map((t) => t.dims.length));
  const padded = inputs.map((t) => [...Array(rank - t.dims.length).fill(1), ...t.dims]);
  const dims = Array.from({ length: rank }, (_, d) => Math.max(...padded.map((p) => p[d])));
  const readers = inputs.map((t) => reader(t, rank));
  return build(name, dims, float ? new Float32Array(0) : [], (i) => f(...readers.map((r) => r(i))));
}

/** The entries of `t` at `starts` … `ends` (exclusive) by `steps` on `axes` (ONNX Slice). */
export function sliceConstant(
  t: OnnxTensor,
  starts: number[],
  ends: number[],
  axes: number[],
  steps: number[],
): OnnxTensor {
  const begin = t.dims.map(() => 0);
  const step = t.dims.map(() => 1);
  const dims = [...t.dims];
  axes.forEach((a, k) => {
    const axis = positiveAxis(a, t.dims.length);
    const { start, count } = sliceRange(t.dims[axis], starts[k], ends[k], steps[k]);
    begin[axis] = start;
    step[axis] = steps[k];
    dims[axis] = count;
  });
  const read = reader(t, t.dims.length);
  return build(t.name, dims, t.data, (i) => read(i.map((v, d) => begin[d] + v * step[d])));
}

/** ONNX Slice's clamped start and its count of entries along an axis of `length`. */
export function sliceRange(length: number, start: number, end: number, step: number) {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const from = start < 0 ? start + length : start;
  const to = end < 0 ? end + length : end;
  const first = step > 0 ? clamp(from, 0, length) : clamp(from, -1, length - 1);
  const last = step > 0 ? clamp(to, 0, length) : clamp(to, -1, length - 1);
  const count = Math.max(0, Math.ceil((last - first) / step));
  return { start: first, count };
}

/** `t`'s axes reordered by `perm` (ONNX Transpose). */
export function transposeConstant(t: OnnxTensor, perm: number[]): OnnxTensor {
  const read = reader(t, t.dims.length);
  const dims = perm.map((p) => t.dims[p]);
  return build(t.name, dims, t.data, (i) => {
    const src = new Array<number>(i.length);
    perm.forEach((p, k) => {
      src[p] = i[k];
    });
    return read(src);
  });
}

/** Entries of `t` at `indices` along `axis` (ONNX Gather). */
export function gatherConstant(t: OnnxTensor, indices: OnnxTensor, axis: number): OnnxTensor {
  const a = positiveAxis(axis, t.dims.length);
  const idx = Array.from(indices.data, (v) => (v < 0 ? v + t.dims[a] : v));
  const dims = [...t.dims.slice(0, a), ...indices.dims, ...t.dims.slice(a + 1)];
  const read = reader(t, t.dims.length);
  const outer = indices.dims.length;
  const istr = strides(indices.dims);
  return build(t.name, dims, t.data, (i) => {
    const at = i.slice(a, a + outer).reduce((flat, v, d) => flat + v * istr[d], 0);
    return read([...i.slice(0, a), idx[at], ...i.slice(a + outer)]);
  });
}

/** Concatenation along `axis` (ONNX Concat). */
export function concatConstants(parts: OnnxTensor[], axis: number): OnnxTensor {
  const a = positiveAxis(axis, parts[0].dims.length);
  const offsets = parts.map((_, k) => parts.slice(0, k).reduce((s, p) => s + p.dims[a], 0));
  const dims = [...parts[0].dims];
  dims[a] = parts.reduce((s, p) => s + p.dims[a], 0);
  const readers = parts.map((p) => reader(p, p.dims.length));
  const float = parts.some((p) => p.data instanceof Float32Array);
  return build(parts[0].name, dims, float ? new Float32Array(0) : [], (i) => {
    let k = parts.length - 1;
    while (offsets[k] > i[a]) k--;
    const src = [...i];
    src[a] -= offsets[k];
    return readers[k](src);
  });
}

/** ScatterND: `data` with `updates` written at the index tuples of `indices`. */
export function scatterConstant(
  data: OnnxTensor,
  indices: OnnxTensor,
  updates: OnnxTensor,
): OnnxTensor {
  const [values, at, news] = [data.data, indices.data, updates.data];
  const out = [...values];
  const depth = indices.dims[indices.dims.length - 1];
  const s = strides(data.dims);
  const slab = size(data.dims.slice(depth));
  const tuples = at.length / depth;
  for (let k = 0; k < tuples; k++) {
    let flat = 0;
    for (let d = 0; d < depth; d++) {
      const v = at[k * depth + d];
      flat += (v < 0 ? v + data.dims[d] : v) * s[d];
    }
    for (let j = 0; j < slab; j++) out[flat + j] = news[k * slab + j];
  }
  return {
    name: data.name,
    dims: data.dims,
    data: values instanceof Float32Array ? Float32Array.from(out) : out,
  };
}

/** The ints of constant input i (shape, axes, …), or `fallback` where the node omits it. */
export const intsInput = (ctx: NodeContext, i: number, fallback: number[]) =>
  ctx.node.inputs[i] ? Array.from(ctx.constant(i).data) : fallback;
