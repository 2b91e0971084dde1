// Shapes and plumbing: Flatten and Reshape-to-[batch, -1] (in NCHW order, channels outermost),
// Concat, Constant, and Identity / Dropout (inference: the input itself). The shape arithmetic
// older exporters emit for flattening (Shape → Gather → Unsqueeze → Concat → Reshape) is folded
// to constants here, since every shape is known once the input size is fixed.
import * as tf from '@tensorflow/tfjs';
import { constValue, type NodeContext, type OpConverter, tensorValue } from '../context.js';
import { nchwShape, nhwcAxis } from '../layout.js';
import type { OnnxTensor } from '../parse.js';

/** The node's output as a constant known at import time. */
const folded = (ctx: NodeContext, data: number[], dims: number[]) =>
  constValue({ name: ctx.node.outputs[0], dims, data });

const notFoldable = (ctx: NodeContext) =>
  ctx.fail(`${ctx.node.opType} with these inputs is not supported`);

/** x flattened to [batch, features] in NCHW order. */
function flatten(ctx: NodeContext, x: tf.SymbolicTensor) {
  if (x.shape.length !== 4)
    return x.shape.length === 2 ? x : ctx.apply(tf.layers.flatten({ name: ctx.layerName() }), x);
  const spatial = (x.shape[1] as number) * (x.shape[2] as number);
  // NCHW flattening order: channels outermost.
  const ordered =
    spatial === 1
      ? x
      : ctx.apply(tf.layers.permute({ dims: [3, 1, 2], name: ctx.layerName('_nchw') }), x);
  return ctx.apply(tf.layers.flatten({ name: ctx.layerName() }), ordered);
}

const reshape: OpConverter = (ctx) => {
  const x = ctx.tensor(0);
  const target = Array.from(ctx.constant(1).data);
  const features = x.shape.slice(1).reduce((a: number, b) => a * (b as number), 1);
  if (target.length !== 2 || (target[1] !== -1 && target[1] !== features))
    throw ctx.fail(`Reshape to [${target}] is supported only as flattening to [batch, -1]`);
  return tensorValue(flatten(ctx, x));
};

/** Shape of a computed value: its NCHW shape, a batch of 1 where the batch is open. */
const shape: OpConverter = (ctx) => {
  const v = ctx.input(0);
  if (v.kind !== 'tensor') throw notFoldable(ctx);
  const s = v.t.shape;
  return folded(
    ctx,
    nchwShape(s).map((d) => (d === null ? 1 : d)),
    [s.length],
  );
};

/** Gather on constants: the entries of input 0 at the indices of input 1. */
const gather: OpConverter = (ctx) => {
  const v = ctx.input(0);
  if (v.kind !== 'const') throw notFoldable(ctx);
  const data = Array.from(v.c.data);
  const index = ctx.constant(1);
  const picked = Array.from(index.data, (i) => data[i < 0 ? data.length + i : i]);
  return folded(ctx, picked, index.dims);
};

/** Unsqueeze on constants: one more axis of 1 (only 1-D shape vectors reach it). */
const unsqueeze: OpConverter = (ctx) => {
  const v = ctx.input(0);
  if (v.kind !== 'const') throw notFoldable(ctx);
  return folded(ctx, Array.from(v.c.data), [...v.c.dims, 1]);
};

/** Concat of constants (folded, as 1-D) or of computed values (along the NHWC axis). */
const concat: OpConverter = (ctx) => {
  const inputs = ctx.node.inputs.map((_, i) => i);
  if (ctx.input(0).kind === 'const') {
    const all = inputs.flatMap((i) => Array.from(ctx.constant(i).data));
    return folded(ctx, all, [all.length]);
  }
  const parts = inputs.map((i) => ctx.tensor(i));
  const axis = nhwcAxis(ctx.node.attributes.axis as number, parts[0].shape.length);
  return tensorValue(ctx.apply(tf.layers.concatenate({ axis, name: ctx.layerName() }), parts));
};

export const shapeOps: Record<string, OpConverter> = {
  Flatten: (ctx) => tensorValue(flatten(ctx, ctx.tensor(0))),
  Reshape: reshape,
  Shape: shape,
  Gather: gather,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Constant: (ctx) =>
    constValue({ ...(ctx.node.attributes.value as OnnxTensor), name: ctx.node.outputs[0] }),
  Identity: (ctx) => ctx.input(0),
  Dropout: (ctx) => ctx.input(0),
};
