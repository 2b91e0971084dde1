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

const conv2d: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const filter = input(inputs, 'filter');
  if (attrs?.dataFormat === 'NCHW' || x.dtype !== 'float32') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs?.strides as number | [number, number],
    attrs?.dilations as number | [number, number],
    attrs?.pad as 'valid' | 'same' | number,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { top, bottom, left, right } = info.padInfo;
  const h = addon.conv2d(
    backend.handleOf(x),
    backend.handleOf(filter),
    [info.strideHeight, info.strideWidth],
    [top, bottom, left, right],
    [info.dilationHeight, info.dilationWidth],
  );
  return backend.output(h, [...info.outShape], 'float32');
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
  impls.set('Conv2D', conv2d);
  return impls;
}
