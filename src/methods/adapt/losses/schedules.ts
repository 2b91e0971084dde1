// The DANN coefficient schedule (Ganin et al., JMLR 2016, "Domain-Adversarial Training of Neural
// Networks", section 5.2.2), a function of the training progress p ∈ [0, 1] (step / total
// steps). λ starts at 0 so the discriminator's early, noisy signal does not wreck the pretrained
// features, and rises to ~1. The matching lr annealing is the loop's `inverse` schedule.
import { badUsage } from '../../../errors.js';

function progress(p: number, what: string): number {
  if (Number.isNaN(p)) throw badUsage(`${what}: progress must be a number in [0, 1] (got NaN)`);
  return Math.min(1, Math.max(0, p));
}

/** λ(p) = 2 / (1 + exp(−10·p)) − 1, p clamped to [0, 1]: λ(0) = 0, λ(1) ≈ 0.99991. */
export function dannLambda(p: number): number {
  return 2 / (1 + Math.exp(-10 * progress(p, 'dannLambda'))) - 1;
}
