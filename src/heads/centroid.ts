// Nearest-class-mean classifier on standardized embeddings, written as an ordinary dense layer
// so it saves, loads and predicts like any trained head. The closed form needs no training:
// argmin_c ||z - mu_c||² = argmax_c (2 z·mu_c - ||mu_c||²) with z = (x - m) / s, which is linear in x.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';

export interface CentroidFit {
  /** [dim, classes] */
  kernel: Float32Array;
  /** [classes] */
  bias: Float32Array;
  dim: number;
  classes: number;
}

/** Fits class means on per-feature standardized embeddings (float64 accumulation). */
export function fitCentroids(
  embeddings: Float32Array,
  labels: Int32Array,
  classes: number,
): CentroidFit {
  const n = labels.length;
  const dim = embeddings.length / n;
  if (!Number.isInteger(dim) || n === 0)
    throw badInput(`embeddings (${embeddings.length} values) do not match ${n} labels`);
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = embeddings[i * dim + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const std = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    mean[j] /= n;
    // A feature that never varies carries no class information; unit scale keeps it harmless.
    std[j] = Math.sqrt(Math.max(sq[j] / n - mean[j] * mean[j], 0)) || 1;
  }
  const centroids = new Float64Array(classes * dim);
  const counts = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (c < 0 || c >= classes)
      throw badInput(`label ${c} of sample ${i} is outside 0..${classes - 1}`);
    counts[c]++;
    for (let j = 0; j < dim; j++)
      centroids[c * dim + j] += (embeddings[i * dim + j] - mean[j]) / std[j];
  }
  const kernel = new Float32Array(dim * classes);
  const bias = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    if (counts[c] === 0) {
      bias[c] = -1e9; // a class with no samples is never predicted
      continue;
    }
    let b = 0;
    for (let j = 0; j < dim; j++) {
      const mu = centroids[c * dim + j] / counts[c];
      kernel[j * classes + c] = (2 * mu) / std[j];
      b -= (2 * mu * mean[j]) / std[j] + mu * mu;
    }
    bias[c] = b;
  }
  return { kernel, bias, dim, classes };
}

/** A dense layer holding the fitted centroids; its logits are -squared distances up to a per-sample constant. */
export function centroidLayer(fit: CentroidFit, name = 'head'): tf.layers.Layer {
  // Initial weights (not build + setWeights) so the weights get their scoped names when the
  // layer is first applied inside a model: 'head/kernel', which loading matches on.
  return tf.layers.dense({
    units: fit.classes,
    name,
    weights: [tf.tensor2d(fit.kernel, [fit.dim, fit.classes]), tf.tensor1d(fit.bias)],
  });
}
