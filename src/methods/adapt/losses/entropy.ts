// Shannon entropy of predicted class distributions (natural log). Low entropy on the target
// domain means confident predictions: CDAN+E weights samples by it, and the mean target entropy
// is a label-free criterion for comparing adapted models (lower is better, with care: a
// collapsed model is confident too).
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';

/**
 * 0·log 0 is taken as 0 by clamping inside the log: p·log(max(p, ε)) is exact for p ≥ ε, off by
 * less than ε·|log p| below it, and its gradient stays finite at p = 0 (unlike where(p > 0, …),
 * whose unused branch still sends 0·(−∞) = NaN back).
 */
const EPS = 1e-12;

/** −Σ_c p_c·log p_c per sample: probabilities [n, c] → [n]. */
export function entropy(probs: tf.Tensor2D): tf.Tensor1D {
  if (probs.rank !== 2) {
    throw badUsage(
      `entropy: probabilities must be [n, classes] (got ${JSON.stringify(probs.shape)})`,
    );
  }
  return tf.tidy(
    () => tf.neg(tf.sum(tf.mul(probs, tf.log(tf.maximum(probs, EPS))), 1)) as tf.Tensor1D,
  );
}

/** Mean over the batch of the per-sample entropy. */
export function meanEntropy(probs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(entropy(probs)) as tf.Scalar);
}
