// Convolutions, pooling, padding and upsampling as ONNX nodes on NCHW values. TF's 'same'
// padding puts the odd pixel after (bottom/right); ONNX gets it as explicit pads.
import { atrousPadding } from '../../heads/segmentation/atrous-conv.js';
import {
  type ExportContext,
  type LayerConfig,
  type LayerConverter,
  type Ref,
  transposeValues,
} from './context.js';

const pair = (v: number | number[]): [number, number] =>
  (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v]) as [number, number];

/** ONNX pads [top, left, bottom, right] for TF padding on a [n, h, w, c] input. */
export function tfPads(
  inputShape: Ref['shape'],
  padding: string,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new Error(`padding '${padding}' has no ONNX export`);
  const [h, w] = [0, 1].map((i) => {
    const size = inputShape[i + 1];
    if (size === null) throw new Error("'same' padding needs a known input size");
    const out = Math.ceil(size / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
  return [h[0], w[0], h[1], w[1]];
}

/** HWIO kernel → ONNX OIHW. */
const oihw = (kernel: { shape: number[]; values: Float32Array }) => ({
  dims: [kernel.shape[3], kernel.shape[2], kernel.shape[0], kernel.shape[1]],
  values: transposeValues(kernel.values, kernel.shape, [3, 2, 0, 1]),
});

/** A Conv node: `kernel` already OIHW, optional bias, then the layer's activation. */
function conv(
  ctx: ExportContext,
  base: string,
  x: Ref,
  kernel: { dims: number[]; values: Float32Array },
  bias: Float32Array | undefined,
  attrs: { strides: number[]; pads: number[]; dilations?: number[]; group?: number },
  outputShape: Ref['shape'],
  activation?: string,
): Ref {
  const inputs = [x.name, ctx.b.floats(`${base}_kernel`, kernel.dims, kernel.values)];
  if (bias) inputs.push(ctx.b.floats(`${base}_bias`, [bias.length], bias));
  const y = ctx.b.node(
    'Conv',
    inputs,
    {
      kernel_shape: kernel.dims.slice(2),
      strides: attrs.strides,
      pads: attrs.pads,
      dilations: attrs.dilations ?? [1, 1],
      group: attrs.group ?? 1,
    },
    base,
  );
  return { name: ctx.activation(y, activation, 1, base), shape: outputShape };
}

/** Strides, dilations and explicit pads of a Keras conv layer's config on input `x`. */
function kerasConvAttrs(c: LayerConfig, x: Ref) {
  const strides = pair(c.strides);
  const dilations = pair(c.dilationRate ?? 1);
  return {
    strides,
    dilations,
    pads: tfPads(x.shape, c.padding, pair(c.kernelSize), strides, dilations),
  };
}

const conv2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const w = ctx.weights(layer);
  const kernel = oihw(w.get('kernel')!);
  const attrs = kerasConvAttrs(c, x);
  return conv(ctx, layer.name, x, kernel, w.get('bias')?.values, attrs, outputShape, c.activation);
};

/** Depthwise kernel [kh, kw, C, m] → [C·m, 1, kh, kw]: output channel c·m + j, as TF orders it. */
function depthwiseKernel(kernel: { shape: number[]; values: Float32Array }) {
  const [kh, kw, channels, multiplier] = kernel.shape;
  return {
    dims: [channels * multiplier, 1, kh, kw],
    values: transposeValues(kernel.values, kernel.shape, [2, 3, 0, 1]),
  };
}

const depthwiseConv2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const w = ctx.weights(layer);
  const kernel = w.get('depthwise_kernel')!;
  const attrs = { ...kerasConvAttrs(c, x), group: kernel.shape[2] };
  const bias = w.get('bias')?.values;
  return conv(ctx, layer.name, x, depthwiseKernel(kernel), bias, attrs, outputShape, c.activation);
};

/** Depthwise (no bias) then pointwise 1×1 with the bias and activation, as Keras computes it. */
const separableConv2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const w = ctx.weights(layer);
  const depthwise = w.get('depthwise_kernel')!;
  const spatial = [...outputShape.slice(0, 3), depthwise.shape[2] * depthwise.shape[3]];
  const attrs = { ...kerasConvAttrs(c, x), group: depthwise.shape[2] };
  const mid = conv(
    ctx,
    `${layer.name}_depthwise`,
    x,
    depthwiseKernel(depthwise),
    undefined,
    attrs,
    spatial,
  );
  return conv(
    ctx,
    layer.name,
    mid,
    oihw(w.get('pointwise_kernel')!),
    w.get('bias')?.values,
    { strides: [1, 1], pads: [0, 0, 0, 0] },
    outputShape,
    c.activation,
  );
};

/** AtrousConv2D (space-to-batch, conv, batch-to-space) is a dilated conv with its own pads; the
 * rows it pads beyond those (to divide by the rate) are cropped off again, so they are left out. */
const atrousConv2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const k = c.kernelSize ?? 3;
  const [py, px] = [1, 2].map((axis) => {
    const { pad, extra } = atrousPadding(x.shape[axis] as number, k, c.rate);
    return [pad[0], pad[1] - extra];
  });
  const w = ctx.weights(layer);
  return conv(
    ctx,
    layer.name,
    x,
    oihw(w.get('kernel')!),
    w.get('bias')?.values,
    { strides: [1, 1], dilations: [c.rate, c.rate], pads: [py[0], px[0], py[1], px[1]] },
    outputShape,
  );
};

/** The ONNX importer's grouped and dilated convs: 'valid' (pads come before them), kernel
 * [kh, kw, C/groups, F]. */
const groupedConv2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const w = ctx.weights(layer);
  return conv(
    ctx,
    layer.name,
    x,
    oihw(w.get('kernel')!),
    w.get('bias')?.values,
    { strides: c.strides, dilations: c.dilations, pads: [0, 0, 0, 0], group: c.groups },
    outputShape,
  );
};

/** The ONNX importer's ConvTranspose: kernel [kh, kw, F/groups, C] → ONNX's [C, F/groups, kh, kw]. */
const convTranspose2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const w = ctx.weights(layer);
  const kernel = w.get('kernel')!;
  const inputs = [
    x.name,
    ctx.b.floats(
      `${layer.name}_kernel`,
      [kernel.shape[3], kernel.shape[2], kernel.shape[0], kernel.shape[1]],
      transposeValues(kernel.values, kernel.shape, [3, 2, 0, 1]),
    ),
  ];
  const bias = w.get('bias');
  if (bias) inputs.push(ctx.b.floats(`${layer.name}_bias`, bias.shape, bias.values));
  const name = ctx.b.node(
    'ConvTranspose',
    inputs,
    {
      kernel_shape: c.kernelSize,
      strides: c.strides,
      dilations: c.dilations,
      group: c.groups,
      pads: c.pads,
      output_padding: c.outputPadding,
    },
    layer.name,
  );
  return { name, shape: outputShape };
};

const pooling =
  (op: 'MaxPool' | 'AveragePool'): LayerConverter =>
  (ctx, layer, c, [x], outputShape) => {
    const kernel = pair(c.poolSize);
    const strides = pair(c.strides ?? c.poolSize);
    const attrs: Record<string, number | number[]> = {
      kernel_shape: kernel,
      strides,
      pads: tfPads(x.shape, c.padding, kernel, strides),
    };
    // TF's 'same' average leaves the padding out of the count, ONNX's default too; said anyway.
    if (op === 'AveragePool') attrs.count_include_pad = 0;
    return { name: ctx.b.node(op, [x.name], attrs, layer.name), shape: outputShape };
  };

const globalPooling =
  (op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter =>
  (ctx, layer, c, [x], outputShape) => {
    const pooled = ctx.b.node(op, [x.name], {}, `${layer.name}_pool`);
    if (c.keepDims) return { name: pooled, shape: outputShape };
    return { name: ctx.b.node('Flatten', [pooled], { axis: 1 }, layer.name), shape: outputShape };
  };

const zeroPadding2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
  const pads = ctx.b.ints(`${layer.name}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return {
    name: ctx.b.node('Pad', [x.name, pads], { mode: 'constant' }, layer.name),
    shape: outputShape,
  };
};

/** The ONNX importer's constant padding (−∞ before max pooling). */
const onnxPad2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
  const pads = ctx.b.ints(`${layer.name}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
  const value = ctx.scalar(`${layer.name}_value`, Number(c.value));
  return {
    name: ctx.b.node('Pad', [x.name, pads, value], { mode: 'constant' }, layer.name),
    shape: outputShape,
  };
};

/** tfjs resizes with alignCorners = halfPixelCenters = false: ONNX's 'asymmetric' transform. */
const upSampling2d: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const [sh, sw] = pair(c.size);
  const scales = ctx.b.floats(`${layer.name}_scales`, [4], [1, 1, sh, sw]);
  const nearest = (c.interpolation ?? 'nearest') === 'nearest';
  const attrs: Record<string, string> = {
    coordinate_transformation_mode: 'asymmetric',
    mode: nearest ? 'nearest' : 'linear',
  };
  if (nearest) attrs.nearest_mode = 'floor';
  return {
    name: ctx.b.node('Resize', [x.name, '', scales], attrs, layer.name),
    shape: outputShape,
  };
};

export const SPATIAL_CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  VisiontuneAtrousConv2D: atrousConv2d,
  VisiontuneOnnxGroupedConv2D: groupedConv2d,
  VisiontuneOnnxDilatedConv2D: groupedConv2d,
  VisiontuneOnnxConvTranspose2D: convTranspose2d,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  ZeroPadding2D: zeroPadding2d,
  VisiontuneOnnxPad2D: onnxPad2d,
  UpSampling2D: upSampling2d,
};
