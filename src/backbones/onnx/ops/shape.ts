// Shapes and plumbing: Shape, Gather, Slice, Concat, Expand, Constant, Cast, Identity / Dropout
// (inference: the input itself), and the mask arithmetic on constants (ConstantOfShape, Range,
// ScatterND, Where, Equal, Not, Mod). What the exporters compute from shapes folds to constants
// here (fold.ts), since every shape is known once the input size is fixed; on computed values,
// Gather and Slice take a box of the held tensor and Concat joins along the held axis.
import * as tf from '@tensorflow/tfjs';
import {
  batchHeldAxis,
  constValue,
  type NodeContext,
  type OpConverter,
  sameBatch,
  type TensorValue,
} from '../context.js';
import { OnnxBatchConstant, OnnxSlice } from '../layers.js';
import { constantFor, heldAxis, positiveAxis } from '../layout.js';
import type { OnnxTensor } from '../parse.js';
import {
  broadcast,
  build,
  concatConstants,
  gatherConstant,
  intsInput,
  scatterConstant,
  sliceConstant,
  sliceRange,
} from './fold.js';
import { reshapeValue } from './reshape.js';

/** The node's output as a constant known at import time. */
const folded = (ctx: NodeContext, t: OnnxTensor) => constValue({ ...t, name: ctx.node.outputs[0] });

const notFoldable = (ctx: NodeContext) =>
  ctx.fail(`${ctx.node.opType} with these inputs is not supported`);

/** Shape of a computed value: its ONNX shape, with the graph's batch. */
const shape: OpConverter = (ctx) => {
  const v = ctx.input(0);
  const dims = v.kind === 'tensor' ? ctx.shapeOf(v) : v.c.dims;
  return folded(ctx, { name: '', dims: [dims.length], data: dims });
};

/** `v` cut to entries [start, start + count) on ONNX axis `axis` (never the batch's). */
function box(
  ctx: NodeContext,
  v: TensorValue,
  cuts: { axis: number; start: number; count: number; step?: number }[],
) {
  const dims = ctx.shapeOf(v);
  const begin = v.perm.map(() => 0);
  const size = v.perm.map(() => -1);
  const steps = v.perm.map(() => 1);
  for (const { axis, start, count, step = 1 } of cuts) {
    if (start === 0 && count === dims[axis] && step === 1) continue;
    const h = heldAxis(v.perm, axis);
    if (h === batchHeldAxis(v)) throw ctx.fail('slicing the batch axis is not supported');
    begin[h] = start;
    size[h] = count;
    steps[h] = step;
  }
  if (size.every((s) => s === -1)) return v;
  const layer = new OnnxSlice({ begin, size, steps, name: ctx.layerName() });
  return sameBatch(v, ctx.apply(layer, v.t), v.perm);
}

/** Gather: folded on constants; on a computed value, one index along an axis (x[:, 0]). */
const gather: OpConverter = (ctx) => {
  const v = ctx.input(0);
  const index = ctx.constant(1);
  const axis = ctx.number('axis', 0);
  if (v.kind === 'const') return folded(ctx, gatherConstant(v.c, index, axis));
  const dims = ctx.shapeOf(v);
  const a = positiveAxis(axis, dims.length);
  if (index.data.length !== 1) throw ctx.fail('Gather of several entries of a computed value');
  const i = Number(index.data[0]);
  const picked = box(ctx, v, [{ axis: a, start: i < 0 ? i + dims[a] : i, count: 1 }]);
  const target = [...dims.slice(0, a), ...index.dims.map(() => 1), ...dims.slice(a + 1)];
  return reshapeValue(ctx, picked, target);
};

/** Slice: starts, ends, axes, steps from inputs (opset ≥ 10) or attributes (before). */
const slice: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const starts = intsInput(ctx, 1, ctx.ints('starts', []));
  const ends = intsInput(ctx, 2, ctx.ints('ends', []));
  const rank = x.kind === 'const' ? x.c.dims.length : x.perm.length;
  const axes = intsInput(
    ctx,
    3,
    ctx.ints(
      'axes',
      starts.map((_, i) => i),
    ),
  );
  const steps = intsInput(
    ctx,
    4,
    starts.map(() => 1),
  );
  if (x.kind === 'const') return folded(ctx, sliceConstant(x.c, starts, ends, axes, steps));
  if (steps.some((s) => s < 1)) throw ctx.fail('Slice with negative steps on a computed value');
  const dims = ctx.shapeOf(x);
  const cuts = axes.map((a, k) => {
    const axis = positiveAxis(a, rank);
    return { axis, step: steps[k], ...sliceRange(dims[axis], starts[k], ends[k], steps[k]) };
  });
  return box(ctx, x, cuts);
};

/** Concat of constants (folded) or of computed values (along the held axis; one: itself). */
const concat: OpConverter = (ctx) => {
  const inputs = ctx.node.inputs.map((_, i) => ctx.input(i));
  const axis = ctx.number('axis', 0);
  if (inputs.every((v) => v.kind === 'const'))
    return folded(
      ctx,
      concatConstants(
        inputs.map((v) => (v as { c: OnnxTensor }).c),
        axis,
      ),
    );
  if (inputs.length === 1) return inputs[0];
  const first = inputs.find((v): v is TensorValue => v.kind === 'tensor')!;
  const held = inputs.map((v) =>
    v.kind === 'tensor' ? ctx.arrange(v, first.perm) : batchConstant(ctx, v.c, first),
  );
  const layer = tf.layers.concatenate({ axis: heldAxis(first.perm, axis), name: ctx.layerName() });
  return sameBatch(first, ctx.apply(layer, held), first.perm);
};

/**
 * A constant joined to computed values (ViT's class token, expanded to the graph's batch): the
 * same for every batch entry, so it becomes a layer that repeats it to the running batch.
 */
function batchConstant(ctx: NodeContext, c: OnnxTensor, like: TensorValue) {
  const held = batchHeldAxis(like);
  const batchAxis = like.perm[held];
  if (
    c.dims.length !== like.perm.length ||
    like.lead !== 1 ||
    ![1, ctx.batch].includes(c.dims[batchAxis])
  )
    throw ctx.fail(`a constant of shape [${c.dims}] joined to computed values`);
  const one = sliceConstant(c, [0], [1], [batchAxis], [1]);
  const { values, shape } = constantFor(one, like.perm)!;
  const name = ctx.layerName('_constant');
  return ctx.apply(new OnnxBatchConstant({ values, shape, batchAxis: held, name }), like.t);
}

/** Expand of a constant to a constant shape: broadcast now. */
const expand: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const dims = Array.from(ctx.constant(1).data);
  if (x.kind !== 'const') throw notFoldable(ctx);
  const target = {
    name: '',
    dims,
    data: new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0),
  };
  return folded(
    ctx,
    broadcast('', [x.c, target], (v) => v, x.c.data instanceof Float32Array),
  );
};

/** ONNX's float types (Cast to these keeps a computed value as it is). */
const FLOAT_TYPES = new Set([1, 10, 11, 16]);
const BOOL = 9;

const cast: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const to = ctx.number('to', 1);
  const float = FLOAT_TYPES.has(to);
  if (x.kind === 'tensor') {
    if (!float) throw ctx.fail(`Cast of a computed value to data type ${to}`);
    return x;
  }
  const convert = (v: number) => (float ? v : to === BOOL ? Number(v !== 0) : Math.trunc(v));
  return folded(ctx, broadcast('', [x.c], convert, float));
};

/** ConstantOfShape: `value` (default float 0) repeated over the shape of input 0. */
const constantOfShape: OpConverter = (ctx) => {
  const dims = Array.from(ctx.constant(0).data);
  const value = ctx.node.attributes.value as OnnxTensor | undefined;
  const like = value?.data ?? new Float32Array(1);
  const fill = Number(like[0] ?? 0);
  return folded(
    ctx,
    build('', dims, like, () => fill),
  );
};

const range: OpConverter = (ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.constant(i));
  const [s, l, d] = [start, limit, delta].map((t) => Number(t.data[0]));
  const count = Math.max(0, Math.ceil((l - s) / d));
  return folded(
    ctx,
    build('', [count], start.data, ([i]) => s + i * d),
  );
};

/** Elementwise operators on constants only (mask and shape arithmetic). */
const constantsOnly =
  (f: (...v: number[]) => number, float?: boolean): OpConverter =>
  (ctx) => {
    const inputs = ctx.node.inputs.map((_, i) => ctx.input(i));
    if (inputs.some((v) => v.kind !== 'const')) throw notFoldable(ctx);
    const cs = inputs.map((v) => (v as { c: OnnxTensor }).c);
    return folded(ctx, broadcast('', cs, f, float));
  };

/** ONNX Mod: integer remainder with the divisor's sign (fmod = 0), as Python's %. */
const mod = (a: number, b: number) => ((a % b) + b) % b;

export const shapeOps: Record<string, OpConverter> = {
  Shape: shape,
  Gather: gather,
  Slice: slice,
  Concat: concat,
  Expand: expand,
  Cast: cast,
  ConstantOfShape: constantOfShape,
  Range: range,
  ScatterND: (ctx) =>
    folded(ctx, scatterConstant(ctx.constant(0), ctx.constant(1), ctx.constant(2))),
  Where: (ctx) => {
    const [c, a, b] = [0, 1, 2].map((i) => ctx.input(i));
    if (c.kind !== 'const' || a.kind !== 'const' || b.kind !== 'const') throw notFoldable(ctx);
    const float = a.c.data instanceof Float32Array || b.c.data instanceof Float32Array;
    return folded(
      ctx,
      broadcast('', [c.c, a.c, b.c], (k, x, y) => (k ? x : y), float),
    );
  },
  Equal: constantsOnly((a, b) => Number(a === b), false),
  Not: constantsOnly((a) => Number(!a), false),
  Mod: constantsOnly(mod),
  Constant: (ctx) => folded(ctx, ctx.node.attributes.value as OnnxTensor),
  Identity: (ctx) => ctx.input(0),
  Dropout: (ctx) => ctx.input(0),
};
