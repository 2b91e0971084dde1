// Conv and ConvTranspose. Conv becomes tfjs's conv2d (one group), depthwiseConv2d (a group per
// channel) or OnnxGroupedConv2D, behind an explicit padding layer; a dilated one becomes
// OnnxDilatedConv2D, whose space-to-batch form has the gradient tfjs's dilated conv2d lacks.
// ConvTranspose becomes OnnxConvTranspose2D, which takes ONNX's pads and output_padding as is.
import * as tf from '@tensorflow/tfjs';
import { type NodeContext, type OpConverter, tensorValue } from '../context.js';
import { OnnxConvTranspose2D, OnnxDilatedConv2D, OnnxGroupedConv2D } from '../layers.js';
import { hwio, setKernel } from '../layout.js';
import { pad2d, windowPads } from './padding.js';

/** What Conv and ConvTranspose read alike: input, weights, optional bias and window attributes. */
function convInputs(ctx: NodeContext) {
  const x = ctx.tensor(0);
  const w = ctx.constant(1);
  const bias = ctx.optionalConstant(2);
  const [kh, kw] = w.dims.slice(2);
  return {
    x,
    w,
    bias,
    kernelSize: [kh, kw] as [number, number],
    group: ctx.number('group', 1),
    strides: ctx.ints('strides', [1, 1]) as [number, number],
    dilations: ctx.ints('dilations', [1, 1]) as [number, number],
  };
}

/** The layer for a Conv with 'valid' padding, and its kernel in that layer's layout. */
function convLayer(ctx: NodeContext, args: ReturnType<typeof convInputs>, inC: number) {
  const { w, bias, kernelSize, group, strides, dilations } = args;
  const [out, , kh, kw] = w.dims;
  const name = ctx.layerName();
  const useBias = bias !== undefined;
  const grouped = { name, filters: out, kernelSize, strides, dilations, groups: group, useBias };
  // tfjs's dilated conv2d has no gradient; this layer's space-to-batch form has one.
  if (dilations.some((d) => d > 1))
    return { layer: new OnnxDilatedConv2D(grouped), kernel: hwio(w) };
  const common = {
    kernelSize,
    strides,
    dilationRate: dilations,
    padding: 'valid' as const,
    useBias,
    name,
  };
  if (group === 1) return { layer: tf.layers.conv2d({ ...common, filters: out }), kernel: hwio(w) };
  if (group !== inC) return { layer: new OnnxGroupedConv2D(grouped), kernel: hwio(w) };
  const multiplier = out / inC;
  // [C·m, 1, kh, kw] → [kh, kw, C, m]: output channel c·m + j is (c, j) in both.
  const kernel = tf.tidy(() =>
    tf.transpose(
      tf.reshape(tf.tensor(w.data as Float32Array), [inC, multiplier, kh, kw]),
      [2, 3, 0, 1],
    ),
  );
  return { layer: tf.layers.depthwiseConv2d({ ...common, depthMultiplier: multiplier }), kernel };
}

const conv: OpConverter = (ctx) => {
  const args = convInputs(ctx);
  const { x, w, group } = args;
  const [out, inPerGroup, kh, kw] = w.dims;
  const inC = x.shape[3] as number;
  const padded = pad2d(ctx, x, windowPads(ctx, x, [kh, kw], args.strides, args.dilations));
  if (inC % group !== 0 || out % group !== 0 || inPerGroup !== inC / group)
    throw ctx.fail(`${group} groups of ${inPerGroup} channels do not divide ${inC} input channels`);
  const { layer, kernel } = convLayer(ctx, args, inC);
  const y = ctx.apply(layer, padded);
  setKernel(layer, kernel, args.bias);
  return tensorValue(y);
};

/** ONNX pads [top, left, bottom, right] of a ConvTranspose, from pads or auto_pad. */
function transposePads(
  ctx: NodeContext,
  args: ReturnType<typeof convInputs>,
  outputPadding: number[],
) {
  const auto = ctx.string('auto_pad', 'NOTSET');
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto === 'NOTSET') return ctx.ints('pads', [0, 0, 0, 0]);
  // SAME_*: the output is input × stride; the spec's total padding split as it says.
  const { x, kernelSize, strides, dilations } = args;
  const total = [0, 1].map((i) => {
    const size = x.shape[i + 1] as number;
    const full =
      strides[i] * (size - 1) + outputPadding[i] + (kernelSize[i] - 1) * dilations[i] + 1;
    return full - size * strides[i];
  });
  const half = total.map((t) => Math.floor(t / 2));
  return auto === 'SAME_UPPER'
    ? [half[0], half[1], total[0] - half[0], total[1] - half[1]]
    : [total[0] - half[0], total[1] - half[1], half[0], half[1]];
}

/** ConvTranspose: weights [C, filters/group, kh, kw] → [kh, kw, filters/group, C]. */
const convTranspose: OpConverter = (ctx) => {
  const args = convInputs(ctx);
  const { x, w, bias, group } = args;
  const [inC, outPerGroup] = w.dims;
  const outputPadding = ctx.ints('output_padding', [0, 0]) as [number, number];
  if (ctx.node.attributes.output_shape !== undefined)
    throw ctx.fail('ConvTranspose with output_shape is not supported');
  if (inC !== x.shape[3] || inC % group !== 0)
    throw ctx.fail(
      `ConvTranspose weights for ${inC} channels in ${group} groups, input has ${x.shape[3]}`,
    );
  const pads = transposePads(ctx, args, outputPadding);
  if (pads.some((p) => p < 0)) throw ctx.fail(`ConvTranspose with negative pads [${pads}]`);
  const layer = new OnnxConvTranspose2D({
    name: ctx.layerName(),
    filters: outPerGroup * group,
    kernelSize: args.kernelSize,
    strides: args.strides,
    dilations: args.dilations,
    groups: group,
    pads: pads as [number, number, number, number],
    outputPadding,
    useBias: bias !== undefined,
  });
  const y = ctx.apply(layer, x);
  setKernel(layer, hwio(w), bias);
  return tensorValue(y);
};

export const convOps: Record<string, OpConverter> = { Conv: conv, ConvTranspose: convTranspose };
