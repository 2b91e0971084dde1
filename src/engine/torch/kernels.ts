// Kernels the torch backend runs natively (libtorch through the addon). Each maps a tfjs kernel
// (inputs, attrs, tfjs output shape and dtype rules) onto one or two addon calls; a case the
// native path does not cover (an unsupported dtype or layout) goes to the cpu fallback.
import * as tf from '@tensorflow/tfjs';
import type { TorchAddon } from './addon.js';
import type { TorchBackend } from './backend.js';

type Args = Parameters<tf.KernelFunc>[0];
type Impl = (args: Args, backend: TorchBackend, addon: TorchAddon) => tf.TensorInfo | null;

function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`torch backend: missing input ${name}`);
  return t;
}

/** Unary kernels whose result is float whatever the input: native only for float32 input. */
const FLOAT_UNARY = new Set([
  'Exp',
  'Log',
  'Sqrt',
  'Rsqrt',
  'Sigmoid',
  'Tanh',
  'Floor',
  'Ceil',
  'Reciprocal',
  'Softplus',
]);
const BOOL_BINARY = new Set([
  'Equal',
  'NotEqual',
  'Less',
  'LessEqual',
  'Greater',
  'GreaterEqual',
  'LogicalAnd',
  'LogicalOr',
]);

/**
 * Casts a fresh native result to the dtype tfjs gives the kernel's output where libtorch's
 * differs (int32 sums are int64 there, int32 / int32 is float, float floor-division is float).
 */
function settle(addon: TorchAddon, h: number, dtype: tf.DataType): number {
  if (dtype === 'bool') return h;
  const c = addon.cast(h, dtype as 'float32' | 'int32');
  addon.free(h);
  return c;
}

function unary(name: string): Impl {
  return ({ inputs }, backend, addon) => {
    const x = input(inputs, 'x');
    if (FLOAT_UNARY.has(name) && x.dtype !== 'float32') return null;
    const dtype = name === 'LogicalNot' ? 'bool' : x.dtype;
    return backend.output(addon.unary(name, backend.handleOf(x)), [...x.shape], dtype);
  };
}

function binary(name: string): Impl {
  return ({ inputs }, backend, addon) => {
    const a = input(inputs, 'a');
    const b = input(inputs, 'b');
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    // tfjs: RealDiv is always float32, FloorDiv always int32 (even of floats).
    const dtype = BOOL_BINARY.has(name)
      ? 'bool'
      : name === 'RealDiv'
        ? 'float32'
        : name === 'FloorDiv'
          ? 'int32'
          : tf.upcastType(a.dtype, b.dtype);
    const h = addon.binary(name, backend.handleOf(a), backend.handleOf(b));
    return backend.output(settle(addon, h, dtype), shape, dtype);
  };
}

function reduction(name: string): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    // Max and Min name their axes reductionIndices; the others, axis.
    const axis = (attrs?.axis ?? attrs?.reductionIndices) as number | number[];
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const keepDims = attrs?.keepDims === true;
    if (axes.length === 0) return null; // identity: the fallback returns a copy
    if (['Prod', 'All', 'Any'].includes(name) && axes.length > 1) return null;
    const [out] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(out, axes) : out;
    const dtype: tf.DataType =
      name === 'Mean'
        ? 'float32'
        : name === 'All' || name === 'Any'
          ? 'bool'
          : name === 'Sum' || name === 'Prod'
            ? tf.upcastType(x.dtype, 'int32')
            : x.dtype;
    let source = backend.handleOf(x);
    const castInput = name === 'Mean' && x.dtype !== 'float32';
    if (castInput) source = addon.cast(source, 'float32');
    const h = addon.reduce(name, source, axes, keepDims);
    if (castInput) addon.free(source);
    return backend.output(settle(addon, h, dtype), shape, dtype);
  };
}

function argReduction(name: 'ArgMax' | 'ArgMin'): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    const [axis] = tf.util.parseAxisParam(attrs?.axis as number | number[], x.shape);
    const shape = x.shape.filter((_, i) => i !== axis);
    return backend.output(addon.argReduce(name, backend.handleOf(x), axis), shape, 'int32');
  };
}

const cast: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const dtype = attrs?.dtype as tf.DataType;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') return null;
  return backend.output(addon.cast(backend.handleOf(x), dtype), [...x.shape], dtype);
};

const reshape: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const shape = tf.util.inferFromImplicitShape(
    [...((attrs?.shape as number[] | undefined) ?? [])],
    tf.util.sizeFromShape(x.shape),
  );
  return backend.output(addon.reshape(backend.handleOf(x), shape), shape, x.dtype);
};

const transpose: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const perm = attrs?.perm as number[];
  const shape = perm.map((p) => x.shape[p]);
  return backend.output(addon.transpose(backend.handleOf(x), perm), shape, x.dtype);
};

const identity: Impl = ({ inputs }, backend) => {
  const x = input(inputs, 'x');
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

const batchMatMul: Impl = ({ inputs, attrs }, backend, addon) => {
  const a = input(inputs, 'a');
  const b = input(inputs, 'b');
  const transposeA = attrs?.transposeA === true;
  const transposeB = attrs?.transposeB === true;
  const batch = tf.backend_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const h = addon.matmul(backend.handleOf(a), backend.handleOf(b), transposeA, transposeB);
  return backend.output(h, [...batch, m, n], tf.upcastType(a.dtype, b.dtype));
};

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap | undefined,
  depthwise: boolean,
): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs?.strides as number | [number, number],
    (attrs?.dilations as number | [number, number] | undefined) ?? 1,
    attrs?.pad as 'valid' | 'same' | number,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
}

const geometry = (info: Conv2DInfo) => ({
  strides: [info.strideHeight, info.strideWidth],
  pads: [info.padInfo.top, info.padInfo.bottom, info.padInfo.left, info.padInfo.right],
  dilations: [info.dilationHeight, info.dilationWidth],
});

/** Activations a fused kernel can apply natively, as unary ops of the addon. */
const ACTIVATIONS: Record<string, string | null> = {
  linear: null,
  relu: 'Relu',
  relu6: 'Relu6',
  sigmoid: 'Sigmoid',
};

/** Adds the bias and applies the activation of a fused kernel to a fresh result `h`. */
function biasAndActivation(
  inputs: tf.NamedTensorInfoMap,
  activation: string,
  backend: TorchBackend,
  addon: TorchAddon,
  h: number,
): number {
  let out = h;
  if (inputs.bias) {
    const b = addon.binary('Add', out, backend.handleOf(inputs.bias));
    addon.free(out);
    out = b;
  }
  const op = ACTIVATIONS[activation];
  if (op) {
    const a = addon.unary(op, out);
    addon.free(out);
    out = a;
  }
  return out;
}

function fusedSupported(attrs: tf.NamedAttrMap | undefined): boolean {
  const activation = (attrs?.activation as string | undefined) ?? 'linear';
  return activation in ACTIVATIONS && attrs?.dataFormat !== 'NCHW';
}

function convolution(depthwise: boolean, fused: boolean): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    const filter = input(inputs, 'filter');
    if (attrs?.dataFormat === 'NCHW' || x.dtype !== 'float32') return null;
    if (fused && !fusedSupported(attrs)) return null;
    const info = convInfo(x.shape, filter.shape, attrs, depthwise);
    const g = geometry(info);
    let h = addon.conv2d(
      backend.handleOf(x),
      backend.handleOf(filter),
      g.strides,
      g.pads,
      g.dilations,
      depthwise,
    );
    if (fused) {
      h = biasAndActivation(inputs, (attrs?.activation as string) ?? 'linear', backend, addon, h);
    }
    return backend.output(h, [...info.outShape], 'float32');
  };
}

function convBackpropInput(depthwise: boolean): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const dy = input(inputs, 'dy');
    const filter = input(inputs, 'filter');
    if (!attrs || attrs.dataFormat === 'NCHW') return null;
    const inputShape = [...(attrs.inputShape as number[])];
    const g = geometry(convInfo(inputShape, filter.shape, attrs, depthwise));
    const h = addon.conv2dBackprop(
      'input',
      inputShape,
      backend.handleOf(dy),
      backend.handleOf(filter),
      g.strides,
      g.pads,
      g.dilations,
      depthwise,
    );
    return backend.output(h, inputShape, 'float32');
  };
}

function convBackpropFilter(depthwise: boolean): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    if (!attrs || attrs.dataFormat === 'NCHW') return null;
    const filterShape = [...(attrs.filterShape as number[])];
    const g = geometry(convInfo(x.shape, filterShape, attrs, depthwise));
    const h = addon.conv2dBackprop(
      'filter',
      backend.handleOf(x),
      backend.handleOf(dy),
      filterShape,
      g.strides,
      g.pads,
      g.dilations,
      depthwise,
    );
    return backend.output(h, filterShape, 'float32');
  };
}

const fusedMatMul: Impl = (args, backend, addon) => {
  if (!fusedSupported(args.attrs)) return null;
  const out = batchMatMul(args, backend, addon)!;
  const h = biasAndActivation(
    args.inputs,
    (args.attrs?.activation as string) ?? 'linear',
    backend,
    addon,
    backend.handleOf(out),
  );
  // The matmul result was handed to the activation; rewrap the final tensor under its dataId.
  return backend.replace(out, h);
};

const batchNorm: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const h = addon.batchNorm(
    backend.handleOf(x),
    backend.handleOf(input(inputs, 'mean')),
    backend.handleOf(input(inputs, 'variance')),
    inputs.offset ? backend.handleOf(inputs.offset) : 0,
    inputs.scale ? backend.handleOf(inputs.scale) : 0,
    (attrs?.varianceEpsilon as number | undefined) ?? 0.001,
  );
  return backend.output(h, [...x.shape], 'float32');
};

const clipByValue: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const lo = attrs?.clipValueMin as number;
  const hi = attrs?.clipValueMax as number;
  return backend.output(addon.clamp(backend.handleOf(x), lo, hi), [...x.shape], x.dtype);
};

const select: Impl = ({ inputs }, backend, addon) => {
  const condition = input(inputs, 'condition');
  const t = input(inputs, 't');
  const e = input(inputs, 'e');
  // tfjs: a rank-1 condition picks whole rows of higher-rank t and e.
  let c = backend.handleOf(condition);
  const reshaped = condition.shape.length === 1 && t.shape.length > 1;
  if (reshaped) c = addon.reshape(c, [condition.shape[0]!, ...t.shape.slice(1).map(() => 1)]);
  const h = addon.where(c, backend.handleOf(t), backend.handleOf(e));
  if (reshaped) addon.free(c);
  return backend.output(
    settle(addon, h, tf.upcastType(t.dtype, e.dtype)),
    [...t.shape],
    tf.upcastType(t.dtype, e.dtype),
  );
};

const step: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  if (x.dtype !== 'float32') return null;
  const alpha = (attrs?.alpha as number | undefined) ?? 0;
  return backend.output(addon.step(backend.handleOf(x), alpha), [...x.shape], 'float32');
};

function fillLike(value: number): Impl {
  return ({ inputs }, backend, addon) => {
    const x = input(inputs, 'x');
    if (x.dtype === 'string' || x.dtype === 'complex64') return null;
    return backend.output(addon.fillLike(backend.handleOf(x), value), [...x.shape], x.dtype);
  };
}

const padV2: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const paddings = attrs?.paddings as Array<[number, number]>;
  const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const value = (attrs?.constantValue as number | undefined) ?? 0;
  return backend.output(addon.pad(backend.handleOf(x), paddings.flat(), value), shape, x.dtype);
};

const slice: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    attrs?.begin as number | number[],
    attrs?.size as number | number[],
  );
  return backend.output(addon.slice(backend.handleOf(x), begin, size), size, x.dtype);
};

const tile: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const reps = attrs?.reps as number[];
  const shape = x.shape.map((d, i) => d * reps[i]!);
  return backend.output(addon.tile(backend.handleOf(x), reps), shape, x.dtype);
};

/** Native implementations by tfjs kernel name. */
export function nativeKernels(addon: TorchAddon): Map<string, Impl> {
  const impls = new Map<string, Impl>();
  for (const name of addon.unaryOps) impls.set(name, unary(name));
  for (const name of addon.binaryOps) impls.set(name, binary(name));
  for (const name of ['Sum', 'Mean', 'Max', 'Min', 'Prod', 'All', 'Any']) {
    impls.set(name, reduction(name));
  }
  impls.set('ArgMax', argReduction('ArgMax'));
  impls.set('ArgMin', argReduction('ArgMin'));
  impls.set('Cast', cast);
  impls.set('Reshape', reshape);
  impls.set('Transpose', transpose);
  impls.set('Identity', identity);
  impls.set('BatchMatMul', batchMatMul);
  impls.set('Conv2D', convolution(false, false));
  impls.set('FusedConv2D', convolution(false, true));
  impls.set('DepthwiseConv2dNative', convolution(true, false));
  impls.set('FusedDepthwiseConv2D', convolution(true, true));
  impls.set('Conv2DBackpropInput', convBackpropInput(false));
  impls.set('Conv2DBackpropFilter', convBackpropFilter(false));
  impls.set('DepthwiseConv2dNativeBackpropInput', convBackpropInput(true));
  impls.set('DepthwiseConv2dNativeBackpropFilter', convBackpropFilter(true));
  impls.set('_FusedMatMul', fusedMatMul);
  impls.set('FusedBatchNorm', batchNorm);
  impls.set('ClipByValue', clipByValue);
  impls.set('Select', select);
  impls.set('Step', step);
  impls.set('ZerosLike', fillLike(0));
  impls.set('OnesLike', fillLike(1));
  impls.set('PadV2', padV2);
  impls.set('Slice', slice);
  impls.set('Tile', tile);
  return impls;
}
