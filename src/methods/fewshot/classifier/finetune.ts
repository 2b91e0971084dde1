// The optional quick head fine-tune: a few full-batch Adam steps of cross-entropy on the support
// features, starting from the prototypes. Only the prototypes move and the head keeps its form
// (euclidean: logits from μ by the closed form; cosine: unit-length directions at the fixed
// scale), so classes added later by plain prototypes are scored on the same scale. Off by
// default: on Fashion-MNIST with 5 shots (bench/fewshot/grow.ts, 20 steps) it did not raise
// old-class accuracy, and adding classes afterwards cost 8 points more (cosine): tuned columns
// become discriminative directions, which plain prototypes of new classes outscore more often.
import * as tf from '@tensorflow/tfjs';
import type { FewShotMetric } from './prototypes.js';

export interface FinetuneOptions {
  steps: number;
  lr: number;
  metric: FewShotMetric;
  scale: number;
}

/** Returns refined prototypes [classes, dim] (float64 copy of the trained float32 values). */
export function finetunePrototypes(
  features: Float32Array,
  labels: Int32Array,
  prototypes: Float64Array,
  options: FinetuneOptions,
): { prototypes: Float64Array; losses: number[] } {
  const n = labels.length;
  const dim = features.length / n;
  const classes = prototypes.length / dim;
  const { metric, scale } = options;
  // Cosine only sees directions; starting at norm √dim gives entries of order 1, so one lr suits
  // both metrics (Adam moves each entry by about lr per step).
  const init = Float32Array.from(prototypes, (v, i) => {
    if (metric === 'euclidean') return v;
    const c = Math.floor(i / dim);
    let sq = 0;
    for (let j = 0; j < dim; j++) sq += prototypes[c * dim + j]! ** 2;
    return sq > 0 ? (v * Math.sqrt(dim)) / Math.sqrt(sq) : 0;
  });
  const mu = tf.variable(tf.tensor2d(init, [classes, dim]), true, 'fewshot_prototypes');
  const z = tf.tensor2d(features, [n, dim]);
  const target = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
  const optimizer = tf.train.adam(options.lr);
  const logits = () =>
    metric === 'euclidean'
      ? z
          .matMul(mu, false, true)
          .mul(2 * scale)
          .sub(mu.square().sum(1).mul(scale))
      : z.matMul(mu.div(mu.norm('euclidean', 1, true).maximum(1e-12)), false, true).mul(scale);
  const losses: number[] = [];
  try {
    for (let step = 0; step < options.steps; step++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(target, logits()) as tf.Scalar,
        true,
        [mu],
      );
      losses.push(loss!.dataSync()[0]!);
      loss!.dispose();
    }
    return { prototypes: Float64Array.from(mu.dataSync()), losses };
  } finally {
    optimizer.dispose();
    tf.dispose([mu, z, target]);
  }
}
