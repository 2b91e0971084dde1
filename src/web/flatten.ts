// RGBA pixels (a canvas's, ImageData's) to the RGB image every visiontune transform takes, with
// alpha flattened onto white as Node's decoder does (decode-sharp.ts: libvips flatten), so a
// transparent cut-out looks as drawn in both. Pure TS, tested against sharp in Node.
import type { DecodedImage } from '../data/types.js';

/** `rgba` (width × height × 4, straight alpha) as RGB on a white background. */
export function flattenRgba(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): DecodedImage {
  const n = width * height;
  if (rgba.length !== n * 4)
    throw new RangeError(`flattenRgba: ${rgba.length} values for ${width}x${height} RGBA`);
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]!;
    for (let c = 0; c < 3; c++) {
      const v = rgba[i * 4 + c]!;
      // Integer blend, truncated, as libvips' flatten (equal to sharp on all 65,536 (v, a)).
      data[i * 3 + c] = Math.floor((v * a + 255 * (255 - a)) / 255);
    }
  }
  return { data, width, height };
}
