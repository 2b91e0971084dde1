// Non-spatial layers as ONNX nodes: normalization, dense, activations, merges, reshapes and
// visiontune's own small layers. Axes given in TF.js terms go through onnxAxis (rank-4 values
// are NCHW in the graph); layers that depend on TF.js's element order get an NHWC view.
import { L2_EPSILON } from '../../heads/l2-normalize.js';
import {
  type LayerConverter,
  NHWC_TO_NCHW,
  onnxAxis,
  type Ref,
  transposeValues,
} from './context.js';

const rankOf = (ref: Ref) => ref.shape.length;

/** Keras BN normalizes the last axis; ONNX's over axis 1 (channels of NCHW, or features of NC). */
const batchNormalization: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const rank = rankOf(x);
  const axis = (c.axis as number) < 0 ? c.axis + rank : c.axis;
  if (axis !== rank - 1 || (rank !== 2 && rank !== 4))
    throw new Error(
      `BatchNormalization over axis ${c.axis} of a rank-${rank} tensor has no ONNX export`,
    );
  const w = ctx.weights(layer);
  const mean = w.get('moving_mean')!.values;
  const filled = (key: string, value: number) =>
    w.get(key)?.values ?? new Float32Array(mean.length).fill(value);
  const param = (key: string, values: Float32Array) =>
    ctx.b.floats(`${layer.name}_${key}`, [values.length], values);
  const name = ctx.b.node(
    'BatchNormalization',
    [
      x.name,
      param('gamma', filled('gamma', 1)),
      param('beta', filled('beta', 0)),
      param('mean', mean),
      param('variance', w.get('moving_variance')!.values),
    ],
    { epsilon: { float: c.epsilon } },
    layer.name,
  );
  return { name, shape: outputShape };
};

const layerNormalization: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const axes = (Array.isArray(c.axis) ? c.axis : [c.axis]) as number[];
  if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== rankOf(x) - 1))
    throw new Error(`LayerNormalization over axes [${axes}] has no ONNX export (only the last)`);
  const w = ctx.weights(layer);
  const dim = x.shape.at(-1) as number;
  const gamma = w.get('gamma')?.values ?? new Float32Array(dim).fill(1);
  const beta = w.get('beta')?.values ?? new Float32Array(dim);
  const y = ctx.b.node(
    'LayerNormalization',
    [
      ctx.nhwc(x),
      ctx.b.floats(`${layer.name}_gamma`, [dim], gamma),
      ctx.b.floats(`${layer.name}_beta`, [dim], beta),
    ],
    { axis: -1, epsilon: { float: c.epsilon } },
    layer.name,
  );
  return ctx.fromNhwc(y, outputShape);
};

const dense: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const w = ctx.weights(layer);
  const kernel = w.get('kernel')!;
  const bias = w.get('bias');
  const b = ctx.b;
  const kernelName = b.floats(`${layer.name}_kernel`, kernel.shape, kernel.values);
  let y: string;
  if (rankOf(x) === 2) {
    const inputs = [x.name, kernelName];
    if (bias) inputs.push(b.floats(`${layer.name}_bias`, bias.shape, bias.values));
    y = b.node('Gemm', inputs, {}, layer.name);
  } else {
    y = b.node('MatMul', [ctx.nhwc(x), kernelName], {}, `${layer.name}_matmul`);
    if (bias)
      y = b.node(
        'Add',
        [y, b.floats(`${layer.name}_bias`, bias.shape, bias.values)],
        {},
        layer.name,
      );
  }
  // Activations act on TF.js's last axis: apply them before returning to NCHW.
  y = ctx.activation(y, c.activation, rankOf(x) - 1, layer.name);
  return rankOf(x) === 2 ? { name: y, shape: outputShape } : ctx.fromNhwc(y, outputShape);
};

const activation: LayerConverter = (ctx, layer, c, [x], outputShape) => ({
  name: ctx.activation(x.name, c.activation, onnxAxis(-1, rankOf(x)), layer.name),
  shape: outputShape,
});

const reLU: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const b = ctx.b;
  const name =
    c.maxValue == null
      ? b.node('Relu', [x.name], {}, layer.name)
      : b.node(
          'Clip',
          [x.name, ctx.scalar('zero', 0), ctx.scalar(`${layer.name}_max`, c.maxValue)],
          {},
          layer.name,
        );
  return { name, shape: outputShape };
};

const softmax: LayerConverter = (ctx, layer, c, [x], outputShape) => ({
  name: ctx.b.node('Softmax', [x.name], { axis: onnxAxis(c.axis ?? -1, rankOf(x)) }, layer.name),
  shape: outputShape,
});

/** PReLU's alpha has the input's shape without the batch (NHWC); ONNX broadcasts it NCHW. */
const prelu: LayerConverter = (ctx, layer, _c, [x], outputShape) => {
  const alpha = ctx.weight(layer, 'alpha');
  const slope =
    alpha.shape.length === 3
      ? ctx.b.floats(
          `${layer.name}_alpha`,
          [alpha.shape[2], alpha.shape[0], alpha.shape[1]],
          transposeValues(alpha.values, alpha.shape, [2, 0, 1]),
        )
      : ctx.b.floats(`${layer.name}_alpha`, alpha.shape, alpha.values);
  return { name: ctx.b.node('PRelu', [x.name, slope], {}, layer.name), shape: outputShape };
};

const merge =
  (op: 'Add' | 'Mul' | 'Max' | 'Min'): LayerConverter =>
  (ctx, layer, _c, inputs, outputShape) => {
    const name =
      op === 'Add' || op === 'Mul'
        ? inputs
            .slice(1)
            .reduce(
              (acc, x, i) =>
                ctx.b.node(op, [acc, x.name], {}, i === inputs.length - 2 ? layer.name : op),
              inputs[0].name,
            )
        : ctx.b.node(
            op,
            inputs.map((x) => x.name),
            {},
            layer.name,
          );
    return { name, shape: outputShape };
  };

const concatenate: LayerConverter = (ctx, layer, c, inputs, outputShape) => ({
  name: ctx.b.node(
    'Concat',
    inputs.map((x) => x.name),
    { axis: onnxAxis(c.axis ?? -1, outputShape.length) },
    layer.name,
  ),
  shape: outputShape,
});

const flatten: LayerConverter = (ctx, layer, _c, [x], outputShape) => ({
  name: ctx.b.node('Flatten', [ctx.nhwc(x)], { axis: 1 }, layer.name),
  shape: outputShape,
});

const reshape: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  // 0 keeps the batch dimension as it is.
  const shape = ctx.b.ints(`${layer.name}_shape`, [0, ...(c.targetShape as number[])]);
  return ctx.fromNhwc(ctx.b.node('Reshape', [ctx.nhwc(x), shape], {}, layer.name), outputShape);
};

const permute: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  const perm = [0, ...(c.dims as number[])];
  return ctx.fromNhwc(ctx.b.node('Transpose', [ctx.nhwc(x)], { perm }, layer.name), outputShape);
};

const identity: LayerConverter = (_ctx, _layer, _c, [x]) => x;

/** (x − mean) / std over the last axis, the statistics held as the layer's weights. */
const standardize: LayerConverter = (ctx, layer, _c, [x], outputShape) => {
  const rank = rankOf(x);
  const mean = ctx.channelConstant(`${layer.name}_mean`, ctx.weight(layer, 'mean').values, rank);
  const std = ctx.channelConstant(`${layer.name}_std`, ctx.weight(layer, 'std').values, rank);
  const centred = ctx.b.node('Sub', [x.name, mean], {}, `${layer.name}_centre`);
  return { name: ctx.b.node('Div', [centred, std], {}, layer.name), shape: outputShape };
};

/** x / sqrt(max(Σx², ε)) over the last axis, as heads/l2-normalize computes it. */
const l2Normalize: LayerConverter = (ctx, layer, _c, [x], outputShape) => {
  const b = ctx.b;
  const axis = onnxAxis(-1, rankOf(x));
  const squares = b.node('ReduceSumSquare', [x.name], { axes: [axis], keepdims: 1 });
  const clamped = b.node('Max', [squares, ctx.scalar('l2_epsilon', L2_EPSILON)]);
  const norm = b.node('Sqrt', [clamped], {}, `${layer.name}_norm`);
  return { name: b.node('Div', [x.name, norm], {}, layer.name), shape: outputShape };
};

/** The ONNX importer's HardSigmoid / HardSwish with their own alpha and beta. */
/** The ONNX importer's other elementwise functions (layers.ts UNARY), node for node. */
const UNARY_OPS: Record<string, string> = {
  erf: 'Erf',
  sqrt: 'Sqrt',
  tanh: 'Tanh',
  exp: 'Exp',
  neg: 'Neg',
};

const onnxUnary: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  if (c.op === 'pow') {
    const exponent = ctx.b.floats(`${layer.name}_exponent`, [], Float32Array.of(c.alpha));
    return { name: ctx.b.node('Pow', [x.name, exponent], {}, layer.name), shape: outputShape };
  }
  if (UNARY_OPS[c.op])
    return { name: ctx.b.node(UNARY_OPS[c.op], [x.name], {}, layer.name), shape: outputShape };
  const attrs = { alpha: { float: c.alpha }, beta: { float: c.beta } };
  const gate = ctx.b.node('HardSigmoid', [x.name], attrs, `${layer.name}_gate`);
  const name = c.op === 'hardSwish' ? ctx.b.node('Mul', [x.name, gate], {}, layer.name) : gate;
  return { name, shape: outputShape };
};

const BINARY_OPS: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' };

/** The ONNX importer's elementwise op with a constant (shape broadcast NumPy-style, NHWC). */
const onnxConstantOp: LayerConverter = (ctx, layer, c, [x], outputShape) => {
  let dims = c.shape as number[];
  let values: Float32Array = Float32Array.from(c.values as number[]);
  if (rankOf(x) === 4 && dims.length > 0) {
    const full = [...Array(4 - dims.length).fill(1), ...dims];
    values = transposeValues(values, full, NHWC_TO_NCHW);
    dims = NHWC_TO_NCHW.map((i) => full[i]);
  }
  const constant = ctx.b.floats(`${layer.name}_constant`, dims, values);
  const operands = c.constantFirst ? [constant, x.name] : [x.name, constant];
  return { name: ctx.b.node(BINARY_OPS[c.op], operands, {}, layer.name), shape: outputShape };
};

const onnxBinary: LayerConverter = (ctx, layer, c, [a, b], outputShape) => {
  if (rankOf(a) !== rankOf(b))
    throw new Error(
      `${layer.name}: operands of rank ${rankOf(a)} and ${rankOf(b)} have no ONNX export`,
    );
  return {
    name: ctx.b.node(BINARY_OPS[c.op], [a.name, b.name], {}, layer.name),
    shape: outputShape,
  };
};

export const TENSOR_CONVERTERS: Record<string, LayerConverter> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Dense: dense,
  Activation: activation,
  ReLU: reLU,
  Softmax: softmax,
  PReLU: prelu,
  Add: merge('Add'),
  Multiply: merge('Mul'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permute,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  VisiontuneStandardize: standardize,
  VisiontuneL2Normalize: l2Normalize,
  VisiontuneOnnxUnary: onnxUnary,
  VisiontuneOnnxConstantOp: onnxConstantOp,
  VisiontuneOnnxBinary: onnxBinary,
};
