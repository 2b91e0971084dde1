// Scores candidate layers' pooled features by LogME on the same labelled images, and the best
// pairs concatenated (`a+b`): the pure half of `--layer auto`, given the features.
import { layerSpec } from '../../backbones/layer-spec.js';
import { logme } from './logme.js';

export interface LayerFeatures {
  layer: string;
  /** Row-major [n, dim]. */
  features: Float32Array;
  dim: number;
}

export interface LayerScore {
  /** A layer name, or a combined spec 'a+b'. */
  layer: string;
  dim: number;
  /** LogME (higher is better). */
  score: number;
}

/** How many of the best single layers are paired up as `a+b` candidates. */
export const COMBINE_TOP = 3;

/** Each column to mean 0, standard deviation 1 (float64); a constant column becomes 0. */
export function standardizeColumns(features: Float32Array, dim: number): Float64Array {
  const n = features.length / dim;
  const out = new Float64Array(features.length);
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += features[i * dim + j]!;
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (features[i * dim + j]! - mean) ** 2;
    const std = Math.sqrt(variance / n);
    const scale = std > 1e-12 * Math.max(1, Math.abs(mean)) ? 1 / std : 0;
    for (let i = 0; i < n; i++) out[i * dim + j] = (features[i * dim + j]! - mean) * scale;
  }
  return out;
}

/** Row-wise concatenation of [n, dA] and [n, dB]. */
function concatColumns(a: Float64Array, dA: number, b: Float64Array, dB: number): Float64Array {
  const n = a.length / dA;
  const out = new Float64Array(n * (dA + dB));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * dA, (i + 1) * dA), i * (dA + dB));
    out.set(b.subarray(i * dB, (i + 1) * dB), i * (dA + dB) + dA);
  }
  return out;
}

export interface ScoreLayersOptions {
  /** Also score pairs of the best COMBINE_TOP layers, concatenated (default true). */
  combine?: boolean;
  /** Called after each candidate is scored, with the standardized features it was scored on. */
  onScore?: (score: LayerScore, features: Float64Array) => void;
}

/**
 * LogME of every layer's standardized features, then of the top pairs; sorted best first (ties
 * keep the shallower, cheaper candidate first). Standardizing each layer is what the linear head
 * does too, and makes a pair's halves count alike.
 */
export function scoreLayers(
  layers: readonly LayerFeatures[],
  labels: ArrayLike<number>,
  numClasses: number,
  options: ScoreLayersOptions = {},
): LayerScore[] {
  const standardized = new Map(
    layers.map((l) => [l.layer, standardizeColumns(l.features, l.dim)] as const),
  );
  const score = (layer: string, features: Float64Array, dim: number) => {
    const result = { layer, dim, score: logme({ features, dim, labels, numClasses }) };
    options.onScore?.(result, features);
    return result;
  };
  const singles = layers.map((l) => score(l.layer, standardized.get(l.layer)!, l.dim));
  const scores = [...singles];
  if (options.combine !== false) {
    const order = new Map(layers.map((l, i) => [l.layer, i]));
    const top = [...singles]
      .sort((a, b) => b.score - a.score)
      .slice(0, COMBINE_TOP)
      .sort((a, b) => order.get(a.layer)! - order.get(b.layer)!);
    top.forEach((a, i) => {
      for (const b of top.slice(i + 1)) {
        const features = concatColumns(
          standardized.get(a.layer)!,
          a.dim,
          standardized.get(b.layer)!,
          b.dim,
        );
        scores.push(score(layerSpec([a.layer, b.layer]), features, a.dim + b.dim));
      }
    });
  }
  // Stable sort: equal scores keep candidate order (single layers first, shallow first).
  return scores.sort((a, b) => b.score - a.score);
}
