// Gemm and MatMul with constant weights as a dense layer on the last ONNX axis (any rank: the
// value is held with that axis last): weights [in, out], or [out, in] transposed where Gemm's
// transB says so; transA, alpha and beta other than 1 are refused. MatMul of two computed values
// (attention's scores and weighted values) as OnnxMatMul, both held as ONNX sees them.
import * as tf from '@tensorflow/tfjs';
import { type NodeContext, type OpConverter, sameBatch, type TensorValue } from '../context.js';
import { OnnxMatMul } from '../layers.js';
import { setKernel, transposed2d } from '../layout.js';
import { transposed } from './reshape.js';

/** `x` held with its last ONNX axis last (as it is, where it already is). */
function lastAxisLast(ctx: NodeContext, x: TensorValue) {
  const last = x.perm.length - 1;
  if (x.perm[last] === last) return x;
  const perm = Array.from({ length: last + 1 }, (_, i) => i);
  return sameBatch(x, ctx.arrange(x, perm), perm);
}

/** a @ b of two computed values, batched over the leading axes. */
function matMulValues(ctx: NodeContext, a: TensorValue, b: TensorValue): TensorValue {
  if (a.perm.length !== b.perm.length || a.perm.length < 3)
    throw ctx.fail('MatMul of computed values is supported on equal ranks ≥ 3');
  const rank = a.perm.length;
  const identity = Array.from({ length: rank }, (_, i) => i);
  // b held with its last two axes swapped multiplies as bᵀ without a permute.
  const swapped = [...identity.slice(0, -2), rank - 1, rank - 2];
  const bSwapped = b.perm.join() === swapped.join();
  const layer = new OnnxMatMul({ transposeB: bSwapped, name: ctx.layerName() });
  const held = [ctx.arrange(a, identity), bSwapped ? b.t : ctx.arrange(b, identity)];
  return sameBatch(a, ctx.apply(layer, held), identity);
}

const matMul: OpConverter = (ctx) => matMulValues(ctx, ctx.value(0), ctx.value(1));

/**
 * Einsum in the form of a batched matrix product (MaxViT's attention: 'bghid,bghjd->bghij'):
 * shared batch letters, one contracted letter, one free letter per operand. The operands are
 * renamed into [batch…, i, k] and [batch…, k, j] (no data moves where they are held so).
 */
const einsum: OpConverter = (ctx) => {
  const equation = ctx.string('equation', '').replace(/\s/g, '');
  const [inputs, output] = equation.split('->');
  const [ta, tb] = (inputs ?? '').split(',');
  const unsupported = () => ctx.fail(`Einsum '${equation}' is not a batched matrix product`);
  if (!ta || !tb || !output) throw unsupported();
  const batch = [...output].filter((l) => ta.includes(l) && tb.includes(l));
  const k = [...ta].filter((l) => tb.includes(l) && !output.includes(l));
  const i = [...ta].filter((l) => !tb.includes(l));
  const j = [...tb].filter((l) => !ta.includes(l));
  const order = [...batch, ...i, ...j];
  if (k.length !== 1 || i.length !== 1 || j.length !== 1 || order.length !== output.length)
    throw unsupported();
  if (new Set(ta).size !== ta.length || new Set(tb).size !== tb.length) throw unsupported();
  const a = transposed(
    ctx.value(0),
    [...batch, i[0], k[0]].map((l) => ta.indexOf(l)),
  );
  const b = transposed(
    ctx.value(1),
    [...batch, k[0], j[0]].map((l) => tb.indexOf(l)),
  );
  const product = matMulValues(ctx, a, b);
  return transposed(
    product,
    [...output].map((l) => order.indexOf(l)),
  );
};

const dense: OpConverter = (ctx) => {
  if (ctx.node.opType === 'MatMul' && ctx.input(1).kind === 'tensor') return matMul(ctx);
  const x = lastAxisLast(ctx, ctx.value(0));
  const w = ctx.constant(1);
  if (w.dims.length !== 2) throw ctx.fail(`weights of shape [${w.dims}] are not supported`);
  const bias = ctx.optionalConstant(2);
  const gemm = ctx.node.opType === 'Gemm';
  const transB = gemm && ctx.number('transB', 0) === 1;
  if (
    gemm &&
    (ctx.number('transA', 0) === 1 || ctx.number('alpha', 1) !== 1 || ctx.number('beta', 1) !== 1)
  )
    throw ctx.fail('Gemm with transA, alpha or beta is not supported');
  const [rows, cols] = w.dims;
  const units = transB ? rows : cols;
  const layer = tf.layers.dense({ units, useBias: bias !== undefined, name: ctx.layerName() });
  const y = ctx.apply(layer, x.t);
  const kernel = transB ? transposed2d(w) : tf.tensor2d(w.data as Float32Array, [rows, cols]);
  setKernel(layer, kernel, bias);
  return sameBatch(x, y, x.perm);
};

export const linearOps: Record<string, OpConverter> = {
  Gemm: dense,
  MatMul: dense,
  Einsum: einsum,
};
