// Conditional adversarial adaptation (CDAN: Long et al., NeurIPS 2018, "Conditional Adversarial
// Domain Adaptation"). The discriminator sees features f conditioned on the classifier's
// predictions g through their outer product f ⊗ g, so it can align class-conditional
// distributions rather than only the marginal one. When d·c is too large, a randomized
// multilinear map approximates f ⊗ g with outDim dimensions whose inner products match the full
// map's in expectation. CDAN+E weights each sample by 1 + exp(−H(g)) so that confident
// (transferable) examples count more.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';
import { Rng } from '../../../util/rng.js';
import { entropy } from './entropy.js';
import { constantOf } from './stop-gradient.js';

/** The paper's rule: the full map up to this many dimensions, randomized above. */
export const CDAN_MAX_FULL_DIM = 4096;
/** The paper's output dimension for the randomized map. */
export const CDAN_RANDOMIZED_DIM = 1024;

function checkPair(what: string, f: tf.Tensor, g: tf.Tensor): void {
  if (f.rank !== 2 || g.rank !== 2 || f.shape[0] !== g.shape[0]) {
    throw badUsage(
      `${what}: features ${JSON.stringify(f.shape)} and predictions ${JSON.stringify(g.shape)} must be [n, d] and [n, c]`,
    );
  }
}

/**
 * Per-sample outer product f ⊗ g flattened to [n, d·c], feature-major: column i·c + k holds
 * f_i·g_k. (The CDAN code flattens class-major; the order does not matter to a dense
 * discriminator.)
 */
export function multilinearMap(f: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  checkPair('multilinearMap', f, g);
  const [n, d] = f.shape;
  const c = g.shape[1];
  return tf.tidy(
    () => tf.reshape(tf.mul(tf.expandDims(f, 2), tf.expandDims(g, 1)), [n, d * c]) as tf.Tensor2D,
  );
}

/** What the discriminator is fed: the full map or a randomized one. */
export interface ConditioningMap {
  readonly kind: 'full' | 'randomized';
  readonly featureDim: number;
  readonly numClasses: number;
  /** Width of the discriminator's input. */
  readonly outDim: number;
  apply(f: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

export interface RandomizedMapOptions {
  /** Output dimension. Default 1024 (the paper's). */
  outDim?: number;
  /** Seed of the projection matrices. Default 0. */
  seed?: number;
}

function standardNormal(rng: Rng, rows: number, cols: number): tf.Tensor2D {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return tf.tensor2d(data, [rows, cols]);
}

/**
 * T(f, g) = (f·R_f) ⊙ (g·R_g) / √outDim with R_f [d, outDim], R_g [c, outDim] drawn once from a
 * standard normal and never trained. With E[r rᵀ] = I for each column pair,
 * E⟨T(f, g), T(f', g')⟩ = (f·f')(g·g') = ⟨f ⊗ g, f' ⊗ g'⟩. The matrices are drawn from our Rng,
 * so a seed gives the same map on every backend. Call dispose() when done.
 */
export class RandomizedMap implements ConditioningMap {
  readonly kind = 'randomized';
  readonly featureDim: number;
  readonly numClasses: number;
  readonly outDim: number;
  private readonly rf: tf.Tensor2D;
  private readonly rg: tf.Tensor2D;
  private disposed = false;

  constructor(featureDim: number, numClasses: number, options: RandomizedMapOptions = {}) {
    const outDim = options.outDim ?? CDAN_RANDOMIZED_DIM;
    for (const [name, v] of [
      ['featureDim', featureDim],
      ['numClasses', numClasses],
      ['outDim', outDim],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1)) {
        throw badUsage(`RandomizedMap ${name}: must be a whole number >= 1 (got ${v})`);
      }
    }
    this.featureDim = featureDim;
    this.numClasses = numClasses;
    this.outDim = outDim;
    const rng = new Rng(options.seed ?? 0).fork('cdan-randomized-map');
    // Kept, so that building the map inside a tf.tidy does not free the matrices.
    this.rf = tf.keep(standardNormal(rng.fork('f'), featureDim, outDim));
    this.rg = tf.keep(standardNormal(rng.fork('g'), numClasses, outDim));
  }

  apply(f: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
    if (this.disposed) throw new Error('RandomizedMap: apply() after dispose()');
    checkPair('RandomizedMap', f, g);
    if (f.shape[1] !== this.featureDim || g.shape[1] !== this.numClasses) {
      throw badUsage(
        `RandomizedMap: built for [n, ${this.featureDim}] and [n, ${this.numClasses}] (got ${JSON.stringify(f.shape)} and ${JSON.stringify(g.shape)})`,
      );
    }
    return tf.tidy(
      () =>
        tf.div(
          tf.mul(tf.matMul(f, this.rf), tf.matMul(g, this.rg)),
          Math.sqrt(this.outDim),
        ) as tf.Tensor2D,
    );
  }

  /** The projection matrices (copies), for inspection and tests. */
  matrices(): { rf: tf.Tensor2D; rg: tf.Tensor2D } {
    return { rf: tf.clone(this.rf), rg: tf.clone(this.rg) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.rf, this.rg]);
  }
}

/** The randomized multilinear map of f [n, d] and g [n, c] through `proj`: [n, proj.outDim]. */
export function randomizedMultilinearMap(
  f: tf.Tensor2D,
  g: tf.Tensor2D,
  proj: RandomizedMap,
): tf.Tensor2D {
  return proj.apply(f, g);
}

/**
 * The paper's choice: the exact map when d·c ≤ maxDim, else a RandomizedMap of width 1024
 * seeded with `seed`.
 */
export function chooseMap(
  featureDim: number,
  numClasses: number,
  maxDim = CDAN_MAX_FULL_DIM,
  seed = 0,
): ConditioningMap {
  if (
    !(
      Number.isInteger(featureDim) &&
      featureDim >= 1 &&
      Number.isInteger(numClasses) &&
      numClasses >= 1
    )
  ) {
    throw badUsage(
      `chooseMap: dimensions must be whole numbers >= 1 (got ${featureDim}, ${numClasses})`,
    );
  }
  if (!(maxDim >= 1)) throw badUsage(`chooseMap: maxDim must be >= 1 (got ${maxDim})`);
  if (featureDim * numClasses > maxDim) {
    return new RandomizedMap(featureDim, numClasses, { outDim: CDAN_RANDOMIZED_DIM, seed });
  }
  return {
    kind: 'full',
    featureDim,
    numClasses,
    outDim: featureDim * numClasses,
    apply(f, g) {
      if (f.shape[1] !== featureDim || g.shape[1] !== numClasses) {
        throw badUsage(
          `multilinear map: built for [n, ${featureDim}] and [n, ${numClasses}] (got ${JSON.stringify(f.shape)} and ${JSON.stringify(g.shape)})`,
        );
      }
      return multilinearMap(f, g);
    },
    dispose() {},
  };
}

/**
 * CDAN+E sample weights 1 + exp(−H(p)) for predicted probabilities [n, c] → [n], in (1, 2]:
 * 1 + 1/c for a uniform prediction, 2 for a one-hot one. A constant for the gradient (the
 * weights say how much a sample counts, they are not something to optimize).
 */
export function entropyWeights(probs: tf.Tensor2D): tf.Tensor1D {
  return constantOf(probs, (p) =>
    tf.tidy(() => tf.add(tf.exp(tf.neg(entropy(p as tf.Tensor2D))), 1)),
  ) as tf.Tensor1D;
}

/**
 * Binary cross-entropy of logits against targets in [0, 1], weighted per sample and normalized by
 * the sum of the weights: Σ w_i·ℓ_i / Σ w_i (no weights: the plain mean). Written as
 * t·softplus(−z) + (1 − t)·softplus(z), which is exact for large |z| and has gradient σ(z) − t
 * everywhere, z = 0 included. Shapes [n] or [n, 1], all the same size. Weights should sum to > 0.
 */
export function weightedBinaryCrossEntropy(
  logits: tf.Tensor,
  targets: tf.Tensor,
  weights?: tf.Tensor,
): tf.Scalar {
  const n = logits.size;
  const ok = (t: tf.Tensor) => t.size === n && t.rank <= 2 && (t.rank < 2 || t.shape[1] === 1);
  if (!ok(logits) || !ok(targets) || (weights !== undefined && !ok(weights))) {
    throw badUsage(
      `weightedBinaryCrossEntropy: logits ${JSON.stringify(logits.shape)}, targets ${JSON.stringify(targets.shape)}${weights ? ` and weights ${JSON.stringify(weights.shape)}` : ''} must all be [n] or [n, 1]`,
    );
  }
  return tf.tidy(() => {
    const z = tf.reshape(logits, [n]);
    const t = tf.reshape(targets, [n]);
    const perSample = tf.add(
      tf.mul(t, tf.softplus(tf.neg(z))),
      tf.mul(tf.sub(1, t), tf.softplus(z)),
    );
    if (weights === undefined) return tf.mean(perSample) as tf.Scalar;
    const w = tf.reshape(weights, [n]);
    return tf.div(tf.sum(tf.mul(w, perSample)), tf.sum(w)) as tf.Scalar;
  });
}
