// Activations: Relu and Clip from 0 (ReLU6) as the project's ReLU layer, Sigmoid as tfjs's,
// HardSigmoid and HardSwish as OnnxUnary with the node's own alpha and beta (PyTorch exports 1/6,
// tfjs's hardSigmoid is fixed at 0.2), all in the layout their input is held; Softmax along the
// held axis of its ONNX axis.
import * as tf from '@tensorflow/tfjs';
import { reLU } from '../../relu-layer.js';
import { batchHeldAxis, type OpConverter } from '../context.js';
import { OnnxSoftmax, OnnxUnary, type UnaryOp } from '../layers.js';
import { heldAxis } from '../layout.js';

/** Clip: bounds from inputs 1, 2 (opset ≥ 11) or the min/max attributes. */
const clip: OpConverter = (ctx) => {
  const lo = ctx.scalar(1, ctx.number('min', -Infinity));
  const hi = ctx.scalar(2, ctx.number('max', Infinity));
  if (lo !== 0) throw ctx.fail(`Clip(${lo}, ${hi}) is supported only from 0 (ReLU, ReLU6)`);
  const layer = reLU({ maxValue: Number.isFinite(hi) ? hi : undefined, name: ctx.layerName() });
  return ctx.keepLayout(0, layer);
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
    return ctx.keepLayout(0, layer);
  };

/** Softmax (opset ≥ 13: along one axis, the last by default). */
const softmax: OpConverter = (ctx) => {
  const x = ctx.value(0);
  if (ctx.opset < 13 && x.perm.length > 2)
    throw ctx.fail('Softmax before opset 13 (over flattened axes) is supported on 2-D only');
  const axis = heldAxis(x.perm, ctx.number('axis', -1));
  if (axis === batchHeldAxis(x)) throw ctx.fail('Softmax over the batch axis');
  const name = ctx.layerName();
  const layer =
    axis === x.perm.length - 1
      ? tf.layers.softmax({ axis: -1, name })
      : new OnnxSoftmax({ axis, name });
  return ctx.keepLayout(0, layer);
};

export const activationOps: Record<string, OpConverter> = {
  Relu: (ctx) => ctx.keepLayout(0, reLU({ name: ctx.layerName() })),
  Clip: clip,
  Sigmoid: (ctx) =>
    ctx.keepLayout(0, tf.layers.activation({ activation: 'sigmoid', name: ctx.layerName() })),
  HardSigmoid: hard('hardSigmoid', 0.2),
  HardSwish: hard('hardSwish', 1 / 6),
  Softmax: softmax,
};
