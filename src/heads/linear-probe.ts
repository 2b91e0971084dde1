// Linear probe: softmax regression on per-feature standardized embeddings, trained full-batch
// with Adam and an L2 penalty, then folded into one dense layer (standardization included) so
// the classifier is an ordinary model that saves, loads and predicts on raw embeddings.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';

export interface LinearProbeOptions {
  /** L2 penalty on the weights of the standardized problem; default 1e-3. */
  weightDecay?: number;
  /** Full-batch Adam steps; default 300. */
  steps?: number;
  learningRate?: number;
}

export interface LinearProbeFit {
  /** [dim, classes], applies to raw (unstandardized) embeddings. */
  kernel: Float32Array;
  bias: Float32Array;
  dim: number;
  classes: number;
  /** Mean cross-entropy + penalty at the end of training. */
  finalLoss: number;
}

/** Adam whose step size can follow a schedule (tfjs keeps it protected). */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

export function fitLinearProbe(
  embeddings: Float32Array,
  labels: Int32Array,
  classes: number,
  options: LinearProbeOptions = {},
): LinearProbeFit {
  const n = labels.length;
  const dim = embeddings.length / n;
  if (n === 0 || !Number.isInteger(dim))
    throw badInput(`embeddings (${embeddings.length} values) do not match ${n} labels`);
  for (const [i, c] of labels.entries()) {
    if (c < 0 || c >= classes)
      throw badInput(`label ${c} of sample ${i} is outside 0..${classes - 1}`);
  }
  const wd = options.weightDecay ?? 1e-3;
  return tf.tidy(() => {
    const x = tf.tensor2d(embeddings, [n, dim]);
    const mean = x.mean(0);
    // Constant features get unit scale: they carry nothing, and must not divide by zero.
    const std = tf.maximum(x.sub(mean).square().mean(0).sqrt(), 1e-6);
    const z = x.sub(mean).div(std);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    const w = tf.variable(tf.zeros([dim, classes]));
    const b = tf.variable(tf.zeros([classes]));
    const peak = options.learningRate ?? 0.01;
    const optimizer = new ScheduledAdam(peak, 0.9, 0.999);
    const objective = () =>
      tf.losses
        .softmaxCrossEntropy(y, z.matMul(w).add(b))
        .add(w.square().sum().mul(wd)) as tf.Scalar;
    const steps = options.steps ?? 300;
    // Cosine decay to zero: a constant Adam step keeps jittering around the optimum.
    for (let i = 0; i < steps; i++) {
      optimizer.setLearningRate(peak * 0.5 * (1 + Math.cos((Math.PI * i) / steps)));
      optimizer.minimize(objective);
    }
    const finalLoss = objective().dataSync()[0];
    // Fold standardization in: z·w + b = x·(w / std) + (b − (mean / std)·w).
    const kernel = w.div(std.reshape([dim, 1]));
    const bias = b.sub(mean.div(std).reshape([1, dim]).matMul(w).reshape([classes]));
    const fit = {
      kernel: kernel.dataSync() as Float32Array,
      bias: bias.dataSync() as Float32Array,
      dim,
      classes,
      finalLoss,
    };
    optimizer.dispose();
    w.dispose();
    b.dispose();
    return fit;
  });
}

export function linearProbeLayer(fit: LinearProbeFit, name = 'head'): tf.layers.Layer {
  // Initial weights so the layer's weights get scoped names ('head/kernel') inside a model.
  return tf.layers.dense({
    units: fit.classes,
    name,
    weights: [tf.tensor2d(fit.kernel, [fit.dim, fit.classes]), tf.tensor1d(fit.bias)],
  });
}
