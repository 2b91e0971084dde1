// Add, Sub, Mul, Div. Between two computed values: tfjs's add and multiply layers, OnnxBinary for
// sub and div (tfjs-layers has neither). With a constant on either side: OnnxConstantOp, the
// constant re-laid NCHW → NHWC where it broadcasts against a 4-D value (per-channel [C, 1, 1]
// becomes [1, 1, C]).
import * as tf from '@tensorflow/tfjs';
import { type OpConverter, tensorValue } from '../context.js';
import { type BinaryOp, OnnxBinary, OnnxConstantOp } from '../layers.js';
import { constantForNhwc } from '../layout.js';
import type { OnnxTensor } from '../parse.js';

const elementwise =
  (op: BinaryOp): OpConverter =>
  (ctx) => {
    const [a, b] = ctx.node.inputs.map((_, i) => ctx.input(i));
    const name = ctx.layerName();
    if (a.kind === 'tensor' && b.kind === 'tensor') {
      const layer =
        op === 'add'
          ? tf.layers.add({ name })
          : op === 'mul'
            ? tf.layers.multiply({ name })
            : new OnnxBinary({ op, name });
      return tensorValue(ctx.apply(layer, [a.t, b.t]));
    }
    const [x, c, constantFirst] =
      a.kind === 'tensor'
        ? [a.t, (b as { c: OnnxTensor }).c, false]
        : [(b as { t: tf.SymbolicTensor }).t, a.c, true];
    const laid = constantForNhwc(c, x.shape.length);
    return tensorValue(ctx.apply(new OnnxConstantOp({ op, ...laid, constantFirst, name }), x));
  };

export const elementwiseOps: Record<string, OpConverter> = {
  Add: elementwise('add'),
  Sub: elementwise('sub'),
  Mul: elementwise('mul'),
  Div: elementwise('div'),
};
