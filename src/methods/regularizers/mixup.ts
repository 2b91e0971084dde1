// Mixup (Zhang, Cisse, Dauphin & Lopez-Paz, ICLR 2018): train on convex combinations of pairs,
//   λ ~ Beta(α, α),  x' = λ·x + (1 − λ)·x[perm],  t' = λ·t + (1 − λ)·t[perm],
// one λ per batch and the partner of each sample from a random permutation of the batch. All
// randomness comes from the Rng passed in (derive it from seed and step: `mixRng`), never from
// tfjs, so a resumed run mixes the same pairs.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { sampleBeta } from './beta.js';
import type { MixResult } from './types.js';

/** Zhang et al. report α ∈ [0.1, 0.4] working best on ImageNet; 0.2 is their ImageNet setting. */
export const DEFAULT_MIXUP_ALPHA = 0.2;

/** The Rng for the mixing of one training step: a function of (seed, step) only. */
export function mixRng(seed: number, step: number): Rng {
  return new Rng(seed).fork('mix-batch', step);
}

export function checkBatch(x: tf.Tensor, targets: tf.Tensor, perm?: readonly number[]): void {
  if (x.rank !== 4 || targets.rank !== 2 || x.shape[0] !== targets.shape[0]) {
    throw badUsage(
      `mix: expected x [n, h, w, c] and targets [n, classes], got ${JSON.stringify(x.shape)} and ${JSON.stringify(targets.shape)}`,
    );
  }
  if (perm) {
    const n = x.shape[0];
    const seen = new Set(perm);
    if (perm.length !== n || seen.size !== n || perm.some((p) => !(p >= 0 && p < n))) {
      throw badUsage(`mix: perm must be a permutation of 0..${n - 1}`);
    }
  }
}

/** Pairs a with b[perm] as λ·a + (1 − λ)·b[perm] along the batch axis. */
export function blend<T extends tf.Tensor>(a: T, lambda: number, perm: readonly number[]): T {
  return tf.tidy(() => {
    const partner = tf.gather(a, tf.tensor1d(perm as number[], 'int32'));
    return tf.add(tf.mul(a, lambda), tf.mul(partner, 1 - lambda)) as T;
  });
}

/** Mixup with a given λ and permutation (the deterministic core; `mixup` draws them). */
export function mixupWith(
  x: tf.Tensor4D,
  targets: tf.Tensor2D,
  lambda: number,
  perm: readonly number[],
): MixResult {
  checkBatch(x, targets, perm);
  if (!(lambda >= 0 && lambda <= 1)) throw badUsage(`mixup: λ must be in [0, 1] (got ${lambda})`);
  return {
    x: blend(x, lambda, perm),
    targets: blend(targets, lambda, perm),
    lambda,
    perm: [...perm],
    kind: 'mixup',
  };
}

/** Mixup with λ ~ Beta(α, α) and the permutation drawn from `rng` (λ first, then perm). */
export function mixup(
  x: tf.Tensor4D,
  targets: tf.Tensor2D,
  rng: Rng,
  options: { alpha?: number } = {},
): MixResult {
  const alpha = options.alpha ?? DEFAULT_MIXUP_ALPHA;
  checkBatch(x, targets);
  const lambda = sampleBeta(rng, alpha, alpha);
  return mixupWith(x, targets, lambda, rng.permutation(x.shape[0]));
}
