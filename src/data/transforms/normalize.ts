// The last step of every pipeline: uint8 RGB -> float32 (v / 255 - mean) / std per channel,
// using the backbone's PretrainedConfig. A 256-entry table per channel computed in float64
// makes each pixel one lookup and gives exactly the float64 result rounded to float32.
import type { DecodedImage } from '../types.js';

export interface NormalizeParams {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export function normalizeTable(params: NormalizeParams): Float32Array {
  const lut = new Float32Array(256 * 3);
  for (let c = 0; c < 3; c++) {
    const std = params.std[c]!;
    if (!(std > 0)) throw new RangeError(`normalize: std[${c}] must be > 0, got ${std}`);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - params.mean[c]!) / std;
  }
  return lut;
}

/** Writes the normalized HWC floats of `img` into `out` starting at `offset`. */
export function normalizeInto(
  img: DecodedImage,
  lut: Float32Array,
  out: Float32Array,
  offset: number,
): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    out[offset + i] = lut[d[i]!]!;
    out[offset + i + 1] = lut[256 + d[i + 1]!]!;
    out[offset + i + 2] = lut[512 + d[i + 2]!]!;
  }
}
