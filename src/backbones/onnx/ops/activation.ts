// Activations: Relu and Clip from 0 (ReLU6) as the project's ReLU layer, Sigmoid and Softmax as
// tfjs's, HardSigmoid and HardSwish as OnnxUnary with the node's own alpha and beta (PyTorch
// exports 1/6, tfjs's hardSigmoid is fixed at 0.2).
import * as tf from '@tensorflow/tfjs';
import { reLU } from '../../relu-layer.js';
import { type OpConverter, tensorValue } from '../context.js';
import { OnnxUnary, type UnaryOp } from '../layers.js';

/** Clip: bounds from inputs 1, 2 (opset ≥ 11) or the min/max attributes. */
const clip: OpConverter = (ctx) => {
  const lo = ctx.scalar(1, ctx.number('min', -Infinity));
  const hi = ctx.scalar(2, ctx.number('max', Infinity));
  if (lo !== 0) throw ctx.fail(`Clip(${lo}, ${hi}) is supported only from 0 (ReLU, ReLU6)`);
  const layer = reLU({ maxValue: Number.isFinite(hi) ? hi : undefined, name: ctx.layerName() });
  return tensorValue(ctx.apply(layer, ctx.tensor(0)));
};

/** clip(alpha·x + beta, 0, 1), times x for HardSwish; ONNX's default alpha differs by op. */
const hard =
  (op: UnaryOp, defaultAlpha: number): OpConverter =>
  (ctx) => {
    const layer = new OnnxUnary({
      op,
      alpha: ctx.number('alpha', defaultAlpha),
      beta: ctx.number('beta', 0.5),
      name: ctx.layerName(),
    });
    return tensorValue(ctx.apply(layer, ctx.tensor(0)));
  };

const softmax: OpConverter = (ctx) => {
  const x = ctx.tensor(0);
  if (x.shape.length !== 2) throw ctx.fail('Softmax is supported on [batch, classes] only');
  return tensorValue(ctx.apply(tf.layers.softmax({ name: ctx.layerName() }), x));
};

export const activationOps: Record<string, OpConverter> = {
  Relu: (ctx) => tensorValue(ctx.apply(reLU({ name: ctx.layerName() }), ctx.tensor(0))),
  Clip: clip,
  Sigmoid: (ctx) => {
    const layer = tf.layers.activation({ activation: 'sigmoid', name: ctx.layerName() });
    return tensorValue(ctx.apply(layer, ctx.tensor(0)));
  },
  HardSigmoid: hard('hardSigmoid', 0.2),
  HardSwish: hard('hardSwish', 1 / 6),
  Softmax: softmax,
};
