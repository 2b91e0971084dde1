// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ documents it: the norm is
// taken over all gradients together; when it exceeds maxNorm every gradient is scaled by
// maxNorm / (norm + 1e-6). A NaN/Inf norm is reported and nothing is scaled: the loop must stop
// on it rather than train on a silently rescaled (and still broken) step.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { type Grads, gradEntries } from './types.js';

export interface ClipResult<G extends Grads> {
  /** Scaled copies when clipped; otherwise the very tensors passed in. */
  grads: G;
  /** Global L2 norm before clipping. */
  norm: number;
  clipped: boolean;
  /** False when the norm is NaN or infinite (gradients are then returned untouched). */
  finite: boolean;
}

/**
 * Never disposes the input gradients. When `clipped` is true the returned tensors are new and
 * the caller disposes them as well (tf.dispose of both sets is safe either way).
 */
export async function clipByGlobalNorm<G extends Grads>(
  grads: G,
  maxNorm: number,
): Promise<ClipResult<G>> {
  if (!(maxNorm > 0)) throw badInput(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  const entries = gradEntries(grads);
  if (entries.length === 0) return { grads, norm: 0, clipped: false, finite: true };
  // Per-tensor sums of squares on the device, combined here in float64.
  const sums = tf.tidy(() => tf.stack(entries.map(([, g]) => tf.sum(tf.square(g)))));
  const parts = await sums.data();
  sums.dispose();
  let total = 0;
  for (const s of parts) total += s;
  const norm = Math.sqrt(total);
  const finite = Number.isFinite(norm);
  if (!finite || norm <= maxNorm) return { grads, norm, clipped: false, finite };
  const scale = maxNorm / (norm + 1e-6);
  const scaled = entries.map(([name, g]) => [name, tf.mul(g, scale)] as [string, tf.Tensor]);
  const out = (grads instanceof Map ? new Map(scaled) : Object.fromEntries(scaled)) as G;
  return { grads: out, norm, clipped: true, finite };
}
