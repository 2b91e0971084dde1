// BatchNormalization (inference form: scale, bias, running mean and variance) as the project's
// batchNormalization layer, with ONNX's epsilon.
import * as tf from '@tensorflow/tfjs';
import { batchNormalization as batchNormLayer } from '../../batchnorm-fix.js';
import { type OpConverter, tensorValue } from '../context.js';
import { setWeights } from '../layout.js';

const batchNormalization: OpConverter = (ctx) => {
  const x = ctx.tensor(0);
  // scale, bias, mean, variance
  const stats = ctx.node.inputs.slice(1, 5).map((_, i) => ctx.constant(i + 1));
  const layer = batchNormLayer({
    epsilon: ctx.number('epsilon', 1e-5),
    momentum: 0.9,
    name: ctx.layerName(),
  });
  const y = ctx.apply(layer, x);
  setWeights(
    layer,
    stats.map((t) => tf.tensor1d(t.data as Float32Array)),
  );
  return tensorValue(y);
};

export const normalizationOps: Record<string, OpConverter> = {
  BatchNormalization: batchNormalization,
};
