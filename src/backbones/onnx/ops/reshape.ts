// Reshapes of computed values — Reshape, Flatten, Squeeze, Unsqueeze — and Transpose. The ONNX
// view's axes fall into groups that a reshape merges or splits (matched by their sizes); the
// held tensor is reshaped group by group in its own axis order, so a reshape whose groups are
// held in order costs no data movement (ShuffleNet's channel split, ConvNeXt's and ViT's token
// reshapes), and others first permute the held axes once. Transpose only composes the layout.
import * as tf from '@tensorflow/tfjs';
import {
  batchHeldAxis,
  constValue,
  type NodeContext,
  type OpConverter,
  sameBatch,
  type TensorValue,
} from '../context.js';
import { OnnxReshape } from '../layers.js';
import { positiveAxis } from '../layout.js';
import { intsInput, transposeConstant } from './fold.js';

interface Group {
  from: number[];
  to: number[];
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** The axis groups of a reshape from `from` to `to` (equal products), or undefined. */
function groups(from: number[], to: number[]): Group[] | undefined {
  const out: Group[] = [];
  let i = 0;
  let j = 0;
  while (i < from.length || j < to.length) {
    const g: Group = { from: [], to: [] };
    let a = 1;
    let b = 1;
    const takeFrom = () => {
      g.from.push(i);
      a *= from[i++];
    };
    const takeTo = () => {
      g.to.push(j);
      b *= to[j++];
    };
    if (i < from.length) takeFrom();
    if (j < to.length) takeTo();
    while (a !== b) {
      if (a < b && i < from.length) takeFrom();
      else if (b < a && j < to.length) takeTo();
      else return undefined;
    }
    // Trailing axes of 1 join the group that precedes them.
    while (i < from.length && from[i] === 1 && j >= to.length) g.from.push(i++);
    out.push(g);
  }
  return out;
}

/** The target with ONNX's 0 (copy the input's) and -1 (the rest) resolved. */
function resolveTarget(ctx: NodeContext, shape: number[], target: number[]) {
  const copied = target.map((d, i) => (d === 0 ? shape[i] : d));
  const known = product(copied.filter((d) => d !== -1));
  const rest = product(shape) / known;
  const resolved = copied.map((d) => (d === -1 ? rest : d));
  if (!resolved.every((d) => Number.isInteger(d) && d >= 0) || product(resolved) !== product(shape))
    throw ctx.fail(`cannot reshape [${shape}] to [${target}]`);
  return resolved;
}

/**
 * Where the batch lands in the out axes of its group: the out axis whose entries cover the
 * batch's (their radix positions within the group), and the new lead and inner factors.
 */
function batchAfter(v: TensorValue, g: Group, shape: number[], to: number[], batch: number) {
  const batchAxis = v.perm[batchHeldAxis(v)];
  const later = g.from.filter((a) => a > batchAxis);
  const inner = v.inner * product(later.map((a) => shape[a]));
  for (const j of g.to) {
    const outInner = product(g.to.filter((k) => k > j).map((k) => to[k]));
    const span = outInner * to[j];
    if (inner % outInner === 0 && span % (inner * batch) === 0)
      return { axis: j, inner: inner / outInner, lead: to[j] / batch };
  }
  return undefined;
}

/** `v` reshaped to `target` (ONNX shapes), as the node's output. */
export function reshapeValue(ctx: NodeContext, v: TensorValue, target: number[]): TensorValue {
  const shape = ctx.shapeOf(v);
  const to = resolveTarget(ctx, shape, target);
  const found = groups(shape, to);
  const batchAxis = v.perm[batchHeldAxis(v)];
  const batchGroup = found?.find((g) => g.from.includes(batchAxis));
  const landed = batchGroup && batchAfter(v, batchGroup, shape, to, ctx.batch);
  if (!found || !batchGroup || !landed)
    throw ctx.fail(`Reshape [${shape}] → [${to}] splits the batch axis`);
  // A batch of 1 merged with other axes (attention) cannot be told apart from them by size.
  if (ctx.batch === 1 && batchGroup.from.some((a) => a !== batchAxis))
    throw ctx.fail(
      `Reshape [${shape}] → [${to}] merges the batch with other axes, which a graph exported with a batch of 1 does not tell apart: export it with a batch of 2 or more`,
    );
  // Groups in held order, each group's axes in ONNX order (axes of 1 may sit anywhere): where
  // the held tensor is not already so, one permute first.
  const isBig = (dims: number[]) => (a: number) => dims[a] !== 1;
  const heldAt = (g: Group) => Math.min(...g.from.map((a) => v.perm.indexOf(a)), Infinity);
  const ordered = [...found].sort((a, b) => heldAt(a) - heldAt(b));
  const perm = ordered.flatMap((g) => g.from);
  const bigIn = isBig(shape);
  const inOrder = perm.filter(bigIn).join() === v.perm.filter(bigIn).join();
  const held = inOrder ? v.t : ctx.arrange(v, perm);
  const outPerm = ordered.flatMap((g) => g.to);
  const heldShape = outPerm.map((a) => (a === landed.axis ? -1 : to[a]));
  const out = { ...v, perm: outPerm, lead: landed.lead, inner: landed.inner };
  const before = held.shape.map((d) => d ?? -1);
  if (held === v.t && heldShape.join() === before.join()) return { ...out, t: v.t };
  // tfjs's reshape keeps axis 0 as the batch, as it is; OnnxReshape puts it anywhere.
  const layer =
    heldShape[0] === -1 && before[0] === -1 && landed.lead === v.lead
      ? tf.layers.reshape({ targetShape: heldShape.slice(1), name: ctx.layerName() })
      : new OnnxReshape({ targetShape: heldShape, name: ctx.layerName() });
  return { ...out, t: ctx.apply(layer, held) };
}

/** Reshape, Flatten, Squeeze and Unsqueeze of a constant fold; of a computed value, reshape. */
const reshaping =
  (target: (ctx: NodeContext, shape: number[]) => number[]): OpConverter =>
  (ctx) => {
    const x = ctx.input(0);
    if (x.kind === 'const')
      return constValue({ ...x.c, name: ctx.node.outputs[0], dims: target(ctx, x.c.dims) });
    return reshapeValue(ctx, x, target(ctx, ctx.shapeOf(x)));
  };

const reshapeTarget = (ctx: NodeContext, shape: number[]) =>
  resolveTarget(ctx, shape, intsInput(ctx, 1, ctx.ints('shape', [])));

function flattenTarget(ctx: NodeContext, shape: number[]) {
  const axis = positiveAxis(ctx.number('axis', 1), shape.length);
  return [product(shape.slice(0, axis)), product(shape.slice(axis))];
}

/** Squeeze / Unsqueeze axes: input 1 from opset 13, the attribute before. */
const axesOf = (ctx: NodeContext) => intsInput(ctx, 1, ctx.ints('axes', []));

function squeezeTarget(ctx: NodeContext, shape: number[]) {
  const axes = axesOf(ctx).map((a) => positiveAxis(a, shape.length));
  return shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
}

function unsqueezeTarget(ctx: NodeContext, shape: number[]) {
  const rank = shape.length + axesOf(ctx).length;
  const axes = axesOf(ctx).map((a) => positiveAxis(a, rank));
  const rest = [...shape];
  return Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!));
}

/** `v`'s ONNX axes reordered by `p` (out axis j is axis p[j]): the same held tensor, renamed. */
export const transposed = (v: TensorValue, p: number[]) =>
  sameBatch(
    v,
    v.t,
    v.perm.map((axis) => p.indexOf(axis)),
  );

/** Transpose: the same held tensor, its ONNX axes renamed (no layer). */
const transpose: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const rank = x.kind === 'const' ? x.c.dims.length : x.perm.length;
  const p = ctx.ints(
    'perm',
    Array.from({ length: rank }, (_, i) => rank - 1 - i),
  );
  if (x.kind === 'const')
    return constValue({ ...transposeConstant(x.c, p), name: ctx.node.outputs[0] });
  return transposed(x, p);
};

export const reshapeOps: Record<string, OpConverter> = {
  Reshape: reshaping(reshapeTarget),
  Flatten: reshaping(flattenTarget),
  Squeeze: reshaping(squeezeTarget),
  Unsqueeze: reshaping(unsqueezeTarget),
  Transpose: transpose,
};
