// Spatial padding: ONNX's Pad node, and the padding that windowed operators (Conv, pooling) get
// as a layer of its own — explicit pads may be asymmetric, auto_pad SAME_* splits its total
// unevenly, and max pooling pads with -∞, none of which tfjs's 'same' padding expresses.
import * as tf from '@tensorflow/tfjs';
import {
  batchHeldAxis,
  type NodeContext,
  type OpConverter,
  sameBatch,
  tensorValue,
} from '../context.js';
import { OnnxPad, OnnxPad2D } from '../layers.js';

/** `x` padded by ONNX pads [top, left, bottom, right] with `value` (itself where all are 0). */
export function pad2d(ctx: NodeContext, x: tf.SymbolicTensor, pads: number[], value = 0) {
  const [t, l, b, r] = pads;
  if (t === 0 && l === 0 && b === 0 && r === 0) return x;
  const padding: [[number, number], [number, number]] = [
    [t, b],
    [l, r],
  ];
  if (value === 0)
    return ctx.apply(tf.layers.zeroPadding2d({ padding, name: ctx.layerName('_pad') }), x);
  return ctx.apply(new OnnxPad2D({ padding, value, name: ctx.layerName('_pad') }), x);
}

/** ONNX pads [top, left, bottom, right] for a window, from pads or auto_pad. */
export function windowPads(
  ctx: NodeContext,
  x: tf.SymbolicTensor,
  kernel: number[],
  strides: number[],
  dilations = [1, 1],
) {
  const auto = ctx.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') return ctx.ints('pads', [0, 0, 0, 0]);
  if (auto === 'VALID') return [0, 0, 0, 0];
  const size = [x.shape[1] as number, x.shape[2] as number];
  const total = size.map((s, i) => {
    const out = Math.ceil(s / strides[i]);
    return Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - s);
  });
  const small = total.map((p) => Math.floor(p / 2));
  const big = total.map((p, i) => p - small[i]);
  return auto === 'SAME_UPPER'
    ? [small[0], small[1], big[0], big[1]]
    : [big[0], big[1], small[0], small[1]];
}

/** Constant padding of other axes than an image's H and W (Swin pads its [B, H, W, C] maps). */
function padAny(ctx: NodeContext, pads: number[], value: number) {
  const x = ctx.value(0);
  const rank = x.perm.length;
  const paddings = x.perm.map((axis): [number, number] => [pads[axis], pads[axis + rank]]);
  const batch = paddings[batchHeldAxis(x)];
  if (batch[0] || batch[1]) throw ctx.fail('Pad of the batch axis is not supported');
  return sameBatch(x, ctx.apply(new OnnxPad({ paddings, value, name: ctx.layerName() }), x.t));
}

/** Pad: pads from input 1 (opset ≥ 11) or the attribute; only constant. */
const pad: OpConverter = (ctx) => {
  const padsInput = ctx.optionalConstant(1);
  const pads = padsInput ? Array.from(padsInput.data) : ctx.ints('pads', []);
  const mode = ctx.string('mode', 'constant');
  const value = ctx.scalar(2, 0);
  if (mode !== 'constant') throw ctx.fail(`Pad (${mode}) is not supported`);
  // NCHW pads [n0, c0, h0, w0, n1, c1, h1, w1]: spatial padding of an image is a 2-D layer.
  if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5])
    return padAny(ctx, pads, value);
  const x = ctx.tensor(0);
  const y = pad2d(ctx, x, [pads[2], pads[3], pads[6], pads[7]], value);
  // No padding at all still makes a layer, so the node's output has a layer of its own.
  if (y !== x) return tensorValue(y);
  return tensorValue(
    ctx.apply(tf.layers.activation({ activation: 'linear', name: ctx.layerName() }), x),
  );
};

export const paddingOps: Record<string, OpConverter> = { Pad: pad };
