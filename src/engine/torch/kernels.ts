// Kernels the torch backend runs natively (libtorch through the addon). Each maps a tfjs kernel
// (inputs, attrs, tfjs output shape and dtype rules) onto one or two addon calls; a case the
// native path does not cover (an unsupported dtype or layout) goes to the cpu fallback.

import * as tf from '@tensorflow/tfjs';
import type { TorchAddon } from './addon.js';
import type { TorchBackend } from './backend.js';
import { blockKernels } from './block-kernels.js';
import { groupedKernels } from './grouped-kernels.js';
import {
  type Args,
  biasAndActivation,
  fusedSupported,
  type Impl,
  input,
  settle,
} from './kernel-support.js';
import { resizeKernels } from './resize-kernels.js';
import { spatialKernels } from './spatial-kernels.js';
import { trainingKernels } from './training-kernels.js';

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
  'Elu',
  'Selu',
  'Round',
  'Sin',
  'Cos',
  'Log1p',
  'Expm1',
  'Erf',
  'IsNan',
  'IsInf',
  'IsFinite',
]);
const BOOL_UNARY = new Set(['LogicalNot', 'IsNan', 'IsInf', 'IsFinite']);
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

function unary(name: string): Impl {
  return ({ inputs }, backend, addon) => {
    const x = input(inputs, 'x');
    if (FLOAT_UNARY.has(name) && x.dtype !== 'float32') return null;
    const dtype = BOOL_UNARY.has(name) ? 'bool' : x.dtype;
    return backend.output(addon.unary(name, backend.handleOf(x)), [...x.shape], dtype);
  };
}

function binary(name: string): Impl {
  return ({ inputs }, backend, addon) => {
    const a = input(inputs, 'a');
    const b = input(inputs, 'b');
    // Integer modulo by zero throws in torch; tfjs gives 0. Let the cpu kernel do it.
    if (name === 'Mod' && (a.dtype !== 'float32' || b.dtype !== 'float32')) return null;
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

function batchMatMul(
  { inputs, attrs }: Args,
  backend: TorchBackend,
  addon: TorchAddon,
): tf.TensorInfo {
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
}

const fusedMatMul: Impl = (args, backend, addon) => {
  if (!fusedSupported(args.attrs)) return null;
  const out = batchMatMul(args, backend, addon);
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

const concat: Impl = ({ inputs, attrs }, backend, addon) => {
  const parts = (inputs as unknown as tf.TensorInfo[]).filter(
    (t) => tf.util.sizeFromShape(t.shape) > 0,
  );
  if (parts.length === 0 || parts.some((t) => t.dtype !== parts[0]!.dtype)) return null;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, parts[0]!.shape)[0]!;
  const shape = [...parts[0]!.shape];
  shape[axis] = parts.reduce((sum, t) => sum + t.shape[axis]!, 0);
  const h = addon.concat(
    parts.map((t) => backend.handleOf(t)),
    axis,
  );
  return backend.output(h, shape, parts[0]!.dtype);
};

/** SplitV as slices: tfjs kernels may return several outputs. */
const splitV: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(
    x as unknown as tf.Tensor,
    attrs?.numOrSizeSplits as number | number[],
    axis,
  );
  const begin = x.shape.map(() => 0);
  return sizes.map((n) => {
    const size = [...x.shape];
    size[axis] = n;
    const out = backend.output(addon.slice(backend.handleOf(x), begin, size), size, x.dtype);
    begin[axis]! += n;
    return out;
  });
};

const softmax: Impl = ({ inputs, attrs }, backend, addon) => {
  const logits = input(inputs, 'logits');
  if (logits.dtype !== 'float32') return null;
  const dim = tf.util.parseAxisParam(attrs?.dim as number, logits.shape)[0]!;
  return backend.output(addon.softmax(backend.handleOf(logits), dim), [...logits.shape], 'float32');
};

const oneHot: Impl = ({ inputs, attrs }, backend, addon) => {
  const indices = input(inputs, 'indices');
  if (indices.dtype !== 'int32') return null;
  const depth = attrs?.depth as number;
  const dtype = ((attrs?.dtype as tf.DataType | undefined) ?? 'int32') as tf.DataType;
  const h = addon.oneHot(
    backend.handleOf(indices),
    depth,
    (attrs?.onValue as number | undefined) ?? 1,
    (attrs?.offValue as number | undefined) ?? 0,
  );
  return backend.output(settle(addon, h, dtype), [...indices.shape, depth], dtype);
};

const pack: Impl = ({ inputs, attrs }, backend, addon) => {
  const parts = inputs as unknown as tf.TensorInfo[];
  const first = parts[0]!;
  if (parts.some((t) => t.dtype !== first.dtype)) return null;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, [...first.shape, 1])[0]!;
  const shape = [...first.shape];
  shape.splice(axis, 0, parts.length);
  const h = addon.stack(
    parts.map((t) => backend.handleOf(t)),
    axis,
  );
  return backend.output(h, shape, first.dtype);
};

/** Unpack as slices along the axis, each reshaped to drop it. */
const unpack: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'value');
  const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0]!;
  const shape = x.shape.filter((_, i) => i !== axis);
  const size = [...x.shape];
  size[axis] = 1;
  return Array.from({ length: x.shape[axis]! }, (_, k) => {
    const begin = x.shape.map((_, i) => (i === axis ? k : 0));
    const part = addon.slice(backend.handleOf(x), begin, size);
    const h = addon.reshape(part, shape);
    addon.free(part);
    return backend.output(h, shape, x.dtype);
  });
};

const gather: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const indices = input(inputs, 'indices');
  if ((attrs?.batchDims ?? 0) !== 0 || indices.dtype !== 'int32') return null;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0]!;
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const h = addon.gather(backend.handleOf(x), backend.handleOf(indices), axis);
  return backend.output(h, shape, x.dtype);
};

const reverse: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const axes = tf.util.parseAxisParam(attrs?.dims as number | number[], x.shape);
  return backend.output(addon.flip(backend.handleOf(x), axes), [...x.shape], x.dtype);
};

const addN: Impl = ({ inputs }, backend, addon) => {
  const parts = inputs as unknown as tf.TensorInfo[];
  const first = parts[0]!;
  if (parts.some((t) => t.dtype !== first.dtype) || first.dtype === 'bool') return null;
  const h = addon.addN(parts.map((t) => backend.handleOf(t)));
  return backend.output(h, [...first.shape], first.dtype);
};

const leakyRelu: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  if (x.dtype !== 'float32') return null;
  const h = addon.leakyRelu(backend.handleOf(x), (attrs?.alpha as number | undefined) ?? 0.2);
  return backend.output(h, [...x.shape], 'float32');
};

/** Native implementations by tfjs kernel name. */
export function nativeKernels(addon: TorchAddon): Map<string, Impl> {
  const impls = new Map<string, Impl>();
  for (const name of addon.unaryOps) impls.set(name, unary(name));
  for (const name of addon.binaryOps) impls.set(name, binary(name));
  for (const name of ['Sum', 'Mean', 'Max', 'Min', 'Prod', 'All', 'Any']) {
    impls.set(name, reduction(name));
  }
  const table: [string, Impl][] = [
    ['ArgMax', argReduction('ArgMax')],
    ['ArgMin', argReduction('ArgMin')],
    ['Cast', cast],
    ['Reshape', reshape],
    ['Transpose', transpose],
    ['Identity', identity],
    ['BatchMatMul', batchMatMul],
    ['_FusedMatMul', fusedMatMul],
    ['ClipByValue', clipByValue],
    ['Select', select],
    ['Step', step],
    ['ZerosLike', fillLike(0)],
    ['OnesLike', fillLike(1)],
    ['PadV2', padV2],
    ['Slice', slice],
    ['Tile', tile],
    ['Concat', concat],
    ['SplitV', splitV],
    ['Softmax', softmax],
    ['OneHot', oneHot],
    ['Pack', pack],
    ['Unpack', unpack],
    ['GatherV2', gather],
    ['Reverse', reverse],
    ['AddN', addN],
    ['LeakyRelu', leakyRelu],
    ...spatialKernels(),
    ...trainingKernels(),
    ...blockKernels(),
    ...resizeKernels(),
    // A stale addon (built before group counts) leaves grouped convs to the composition.
    ...(addon.convGroups ? groupedKernels() : []),
  ];
  for (const [name, impl] of table) impls.set(name, impl);
  return impls;
}
