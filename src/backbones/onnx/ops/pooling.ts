// Pooling: MaxPool and AveragePool as tfjs's 'valid' pooling behind an explicit padding layer
// (-∞ for max; ceil_mode as extra end padding), and the spatial means GlobalAveragePool and
// ReduceMean over H, W of an image as global average pooling (reshaped back to 1×1 where ONNX
// keeps dims). Other reductions (LayerNorm's mean over the last axis, ReduceSum/Max/L2) reduce
// the held axes of their ONNX axes.
import * as tf from '@tensorflow/tfjs';
import {
  batchHeldAxis,
  type NodeContext,
  type OpConverter,
  sameBatch,
  tensorValue,
} from '../context.js';
import { OnnxReduce, type ReduceOp } from '../layers.js';
import { canonicalPerm, heldAxis, sameLayout } from '../layout.js';
import { intsInput } from './fold.js';
import { pad2d, windowPads } from './padding.js';

/** ceil_mode: extra end padding so the last partial window counts, as PyTorch counts it. */
function ceilModePads(x: tf.SymbolicTensor, pads: number[], kernel: number[], strides: number[]) {
  const out = [...pads];
  for (let i = 0; i < 2; i++) {
    const size = (x.shape[i + 1] as number) + pads[i] + pads[i + 2];
    const floorOut = Math.floor((size - kernel[i]) / strides[i]) + 1;
    const ceilOut = Math.ceil((size - kernel[i]) / strides[i]) + 1;
    // PyTorch drops a last window that would start in the end padding.
    const windows =
      (ceilOut - 1) * strides[i] >= (x.shape[i + 1] as number) + pads[i] ? ceilOut - 1 : ceilOut;
    out[i + 2] += Math.max(0, (windows - floorOut) * strides[i]);
  }
  return out;
}

function pool(ctx: NodeContext, kind: 'max' | 'avg') {
  const x = ctx.tensor(0);
  const kernel = ctx.ints('kernel_shape', [1, 1]);
  const strides = ctx.ints('strides', [1, 1]);
  let pads = windowPads(ctx, x, kernel, strides);
  if (ctx.number('ceil_mode', 0) === 1) pads = ceilModePads(x, pads, kernel, strides);
  const padded = pads.some((p) => p > 0);
  if (kind === 'avg' && padded && ctx.number('count_include_pad', 0) !== 1)
    throw ctx.fail('average pooling over padding that does not count it is not supported');
  const args = {
    poolSize: kernel as [number, number],
    strides: strides as [number, number],
    padding: 'valid' as const,
    name: ctx.layerName(),
  };
  const input = pad2d(ctx, x, pads, kind === 'max' ? -Infinity : 0);
  const layer = kind === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
  return tensorValue(ctx.apply(layer, input));
}

/** The mean over H and W; `keep` reshapes it back to [1, 1, C] as ONNX's keepdims does. */
function spatialMean(ctx: NodeContext, keep: boolean) {
  const x = ctx.tensor(0);
  const y = ctx.apply(tf.layers.globalAveragePooling2d({ name: ctx.layerName() }), x);
  if (!keep) return tensorValue(y);
  const targetShape = [1, 1, x.shape[3] as number];
  return tensorValue(
    ctx.apply(tf.layers.reshape({ targetShape, name: ctx.layerName('_keep') }), y),
  );
}

/** A reduction over its axes (attribute; ReduceSum's input 1 from opset 13). */
const reduce =
  (op: ReduceOp): OpConverter =>
  (ctx) => {
    const x = ctx.value(0);
    const rank = x.perm.length;
    const all = Array.from({ length: rank }, (_, i) => i);
    const axes = (op === 'sum' ? intsInput(ctx, 1, ctx.ints('axes', all)) : ctx.ints('axes', all))
      .map((a) => heldAxis(x.perm, a))
      .sort((a, b) => a - b);
    const keepDims = ctx.number('keepdims', 1) !== 0;
    const image = rank === 4 && sameLayout(x.perm, canonicalPerm(4));
    if (op === 'mean' && image && axes.join() === '1,2') return spatialMean(ctx, keepDims);
    if (axes.includes(batchHeldAxis(x)))
      throw ctx.fail('a reduction over the batch axis is not supported');
    const layer = new OnnxReduce({ op, axes, keepDims, name: ctx.layerName() });
    const y = ctx.apply(layer, x.t);
    if (keepDims) return sameBatch(x, y, x.perm);
    // The remaining ONNX axes, renumbered, in the held order they keep.
    const kept = x.perm.filter((_, i) => !axes.includes(i));
    const perm = kept.map((a) => kept.filter((b) => b < a).length);
    return sameBatch(x, y, perm);
  };

export const poolingOps: Record<string, OpConverter> = {
  MaxPool: (ctx) => pool(ctx, 'max'),
  AveragePool: (ctx) => pool(ctx, 'avg'),
  GlobalAveragePool: (ctx) => spatialMean(ctx, true),
  ReduceMean: reduce('mean'),
  ReduceSum: reduce('sum'),
  ReduceMax: reduce('max'),
  ReduceL2: reduce('l2'),
};
