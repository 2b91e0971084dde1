// Gamma and Beta draws from our seeded Rng (the Rng has uniform and normal only). Mixup and
// CutMix take λ ~ Beta(α, α) with small α (0.2 is usual), where Beta mass piles up at 0 and 1 and
// naive x / (x + y) underflows; so gamma draws are kept as logarithms and combined in log space.
import { badUsage } from '../../errors.js';
import type { Rng } from '../../util/rng.js';

function checkShape(k: number, what: string): void {
  if (!(Number.isFinite(k) && k > 0)) throw badUsage(`${what}: must be a number > 0 (got ${k})`);
}

/** log of a Gamma(k, 1) draw for k >= 1: Marsaglia & Tsang (2000), squeeze + log acceptance. */
function logGammaAtLeastOne(rng: Rng, k: number): number {
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = rng.normal();
    const t = 1 + c * z;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.next(); // (0, 1]: log(u) stays finite
    if (u < 1 - 0.0331 * z ** 4 || Math.log(u) < 0.5 * z * z + d * (1 - v + Math.log(v))) {
      return Math.log(d) + Math.log(v);
    }
  }
}

/**
 * log of a Gamma(k, 1) draw. For k < 1 uses Gamma(k) = Gamma(k + 1) · U^(1/k) (Marsaglia &
 * Tsang's boost), whose U^(1/k) underflows for small k unless kept as a logarithm.
 */
export function sampleLogGamma(rng: Rng, k: number): number {
  checkShape(k, 'gamma shape');
  if (k >= 1) return logGammaAtLeastOne(rng, k);
  const u = 1 - rng.next();
  return logGammaAtLeastOne(rng, k + 1) + Math.log(u) / k;
}

/** A Gamma(k, 1) draw (mean k, variance k). */
export function sampleGamma(rng: Rng, k: number): number {
  return Math.exp(sampleLogGamma(rng, k));
}

/** A Beta(a, b) draw as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b), computed as a logistic of logs. */
export function sampleBeta(rng: Rng, a: number, b: number = a): number {
  checkShape(a, 'beta a');
  checkShape(b, 'beta b');
  const lx = sampleLogGamma(rng, a);
  const ly = sampleLogGamma(rng, b);
  return 1 / (1 + Math.exp(ly - lx));
}
