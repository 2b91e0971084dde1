// IEEE 754 half precision: float32 -> binary16 bit patterns (what a TF.js weights manifest's
// `quantization: { dtype: 'float16' }` stores), and back for measuring the error. TF.js ships
// only the decoder, so the encoder is ours: round to nearest, ties to even, like a hardware cast.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bit pattern nearest to `value` (ties to even; too large -> ±Inf). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  return halfFromFloatBits(u32[0]!);
}

function halfFromFloatBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    // NaN keeps its top payload bits and is made quiet so the mantissa can never become 0 (Inf).
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  // Rebias from float32 (127) to half (15).
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e >= 1) {
    // Normal: keep 10 of 23 mantissa bits. A round-up that carries out of the mantissa bumps the
    // exponent, which is exactly right, and past 65504 lands on the Inf pattern 0x7c00.
    const half = (e << 10) | (mant >>> 13);
    return sign | roundShifted(half, mant & 0x1fff, 13);
  }
  // Subnormal half (units of 2^-24): the full significand shifted right by 14 - e. Below
  // 2^-25 (shift > 24) everything rounds to zero; float32 subnormals land there too.
  const shift = 14 - e;
  if (shift > 24) return sign;
  const full = mant | 0x800000;
  return sign | roundShifted(full >>> shift, full & ((1 << shift) - 1), shift);
}

/** `kept` rounded by the `shift` dropped bits in `rest`: up above half, to even at exactly half. */
function roundShifted(kept: number, rest: number, shift: number): number {
  const halfway = 1 << (shift - 1);
  return rest > halfway || (rest === halfway && (kept & 1) === 1) ? kept + 1 : kept;
}

/** Encodes every value; the result's buffer is what the weights file stores. */
export function encodeFloat16(values: Float32Array): Uint16Array {
  // A copy gives an aligned Uint32Array view of the bits whatever the input's byteOffset.
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfFromFloatBits(bits[i]!);
  return out;
}

/** The value a half-precision bit pattern stands for. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
