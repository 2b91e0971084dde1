// Add, Sub, Mul, Div, Pow and the unary Sqrt, Erf, Tanh, Exp, Neg. Between two computed values:
// tfjs's add and multiply layers, OnnxBinary for sub and div (tfjs-layers has neither), the
// second operand held like the first. With a constant on either side: OnnxConstantOp, the
// constant re-laid in the value's held order (layout.ts; per-channel [C, 1, 1] becomes [1, 1, C]
// against an image). Between constants: folded now. The result keeps the first value's layout.
import * as tf from '@tensorflow/tfjs';
import { constValue, type OpConverter, sameBatch, type TensorValue } from '../context.js';
import { type BinaryOp, OnnxBinary, OnnxConstantOp, OnnxUnary, type UnaryOp } from '../layers.js';
import { constantFor } from '../layout.js';
import type { OnnxTensor } from '../parse.js';
import { broadcast } from './fold.js';

const FOLD: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

const elementwise =
  (op: BinaryOp): OpConverter =>
  (ctx) => {
    const [a, b] = ctx.node.inputs.map((_, i) => ctx.input(i));
    const name = ctx.layerName();
    if (a.kind === 'const' && b.kind === 'const') {
      const float = a.c.data instanceof Float32Array || b.c.data instanceof Float32Array;
      // Integer division truncates (shape arithmetic), as ONNX's integer Div does.
      const f = op === 'div' && !float ? (x: number, y: number) => Math.trunc(x / y) : FOLD[op];
      return constValue({ ...broadcast('', [a.c, b.c], f, float), name: ctx.node.outputs[0] });
    }
    if (a.kind === 'tensor' && b.kind === 'tensor') {
      if (a.perm.length !== b.perm.length)
        throw ctx.fail('operands of different ranks are not supported');
      const layer =
        op === 'add'
          ? tf.layers.add({ name })
          : op === 'mul'
            ? tf.layers.multiply({ name })
            : new OnnxBinary({ op, name });
      return sameBatch(a, ctx.apply(layer, [a.t, ctx.arrange(b, a.perm)]), a.perm);
    }
    const [x, c, constantFirst] =
      a.kind === 'tensor' ? [a, (b as { c: OnnxTensor }).c, false] : [b as TensorValue, a.c, true];
    const laid = constantFor(c, x.perm);
    if (!laid) throw ctx.fail(`a constant of shape [${c.dims}] broadcast to more axes`);
    const layer = new OnnxConstantOp({ op, ...laid, constantFirst, name });
    return sameBatch(x, ctx.apply(layer, x.t), x.perm);
  };

const unary =
  (op: UnaryOp): OpConverter =>
  (ctx) =>
    ctx.keepLayout(0, new OnnxUnary({ op, name: ctx.layerName() }));

/** Pow with a constant exponent (LayerNorm's x²). */
const pow: OpConverter = (ctx) => {
  const [base, exponent] = [ctx.input(0), ctx.constant(1)];
  if (base.kind === 'const') {
    const float = base.c.data instanceof Float32Array || exponent.data instanceof Float32Array;
    return constValue({
      ...broadcast('', [base.c, exponent], Math.pow, float),
      name: ctx.node.outputs[0],
    });
  }
  if (exponent.data.length !== 1) throw ctx.fail('Pow is supported with one exponent');
  return ctx.keepLayout(
    0,
    new OnnxUnary({ op: 'pow', alpha: Number(exponent.data[0]), name: ctx.layerName() }),
  );
};

export const elementwiseOps: Record<string, OpConverter> = {
  Add: elementwise('add'),
  Sub: elementwise('sub'),
  Mul: elementwise('mul'),
  Div: elementwise('div'),
  Pow: pow,
  Sqrt: unary('sqrt'),
  Erf: unary('erf'),
  Tanh: unary('tanh'),
  Exp: unary('exp'),
  Neg: unary('neg'),
};
