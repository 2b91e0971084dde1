// Affine (scale + min) integer quantization of one float tensor, in the form the TF.js weights
// manifest stores and `tf.io.decodeWeights` undoes: value = q * scale + min, q in [0, 2^bits - 1].
import type { Rng } from '../../../util/rng.js';

export type AffineDtype = 'uint8' | 'uint16';

export const AFFINE_LEVELS: Record<AffineDtype, number> = { uint8: 255, uint16: 65535 };

export interface AffineParams {
  scale: number;
  min: number;
}

/**
 * Scale and min covering [lo, hi] with `levels + 1` codes. When the range holds 0, min is nudged
 * to a whole number of steps below 0 (as the tfjs converter does), so 0.0 has a code of its own
 * and decodes to exactly 0: pruned weights stay pruned, zero padding stays zero. The nudge moves
 * the range by at most half a step, so the worst error stays half a step. A constant tensor gets
 * scale 1 and min = its value: every code is 0 and decodes exactly.
 */
export function affineParams(lo: number, hi: number, levels: number): AffineParams {
  if (!(hi > lo)) return { scale: 1, min: lo };
  const scale = (hi - lo) / levels;
  if (lo > 0 || hi < 0) return { scale, min: lo };
  // zero * scale + (-zero * scale) is exactly 0 in floating point, whatever scale is.
  const zero = Math.round(-lo / scale);
  return { scale, min: -zero * scale };
}

export interface AffineResult extends AffineParams {
  codes: Uint8Array | Uint16Array;
  /** Largest |decoded - original| over the tensor, decoded in float32 as TF.js does. */
  maxAbsError: number;
}

/**
 * Rounds to the nearest code, or, given `rng`, stochastically: up with probability equal to the
 * fraction of a step past the lower code, so the code's expected value is the weight. Fine-tuned
 * weights that moved less than half a step from a grid they were once quantized on (the nsfwjs
 * weights ship as uint8) all round back to where they started; stochastic rounding keeps their
 * movement on average over the many weights a unit sums (Gupta et al. 2015 round stochastically
 * for the same reason in low-precision training).
 */
export function quantizeAffine(values: Float32Array, dtype: AffineDtype, rng?: Rng): AffineResult {
  const levels = AFFINE_LEVELS[dtype];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`cannot quantize a non-finite weight (${v})`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) lo = hi = 0;
  const { scale, min } = affineParams(lo, hi, levels);
  const codes = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  let maxAbsError = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t = (v - min) / scale;
    const below = Math.floor(t);
    const rounded = rng ? below + (rng.next() < t - below ? 1 : 0) : Math.round(t);
    const q = Math.min(levels, Math.max(0, rounded));
    codes[i] = q;
    const error = Math.abs(Math.fround(q * scale + min) - v);
    if (error > maxAbsError) maxAbsError = error;
  }
  return { codes, scale, min, maxAbsError };
}
