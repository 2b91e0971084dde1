// How large an image is segmented at. Sliding windows and resized logits keep one score per pixel
// and class (4 bytes each): a 16k×16k image with 21 classes would need 22 GB, and sliding over it
// at its own size takes tens of thousands of windows. An image above MAX_WORKING_PIXELS, or whose
// score map would exceed MAX_SCORE_BYTES, is decoded downscaled (aspect kept) to fit both,
// segmented there, and its label map enlarged (nearest) to the image's own size: the index PNG
// keeps the promised size, the coloured mask and overlay are drawn at the working size. Photos
// (12 MP with VOC's 21 classes) stay at their own size, as before.
import sharp from 'sharp';
import type { ImageSize } from '../../data/detection/image-size.js';
import type { LabelMap } from '../../data/segmentation/types.js';
import type { DecodeHint } from '../../data/types.js';

/** Largest score map (pixels × classes × 4 bytes) kept while segmenting one image: 1 GiB. */
export const MAX_SCORE_BYTES = 2 ** 30;
/** Largest image segmented at its own size: 4096 × 4096. */
export const MAX_WORKING_PIXELS = 4096 * 4096;

/** The decode hint that brings `size` under the score budget, or undefined when it fits as is. */
export function workingHint(size: ImageSize, classes: number): DecodeHint | undefined {
  const pixels = Math.min(
    MAX_WORKING_PIXELS,
    Math.floor(MAX_SCORE_BYTES / 4 / Math.max(1, classes)),
  );
  if (size.width * size.height <= pixels) return undefined;
  const scale = Math.sqrt(pixels / (size.width * size.height));
  const shorter = Math.max(1, Math.floor(Math.min(size.width, size.height) * scale));
  return { mode: 'shorter', size: shorter, interpolation: 'bilinear', downscaleOnly: true };
}

/** `mask` enlarged to `size` with nearest-neighbour sampling (labels are never blended). */
export async function enlargeMask(mask: LabelMap, size: ImageSize): Promise<LabelMap> {
  if (mask.width === size.width && mask.height === size.height) return mask;
  const raw = { width: mask.width, height: mask.height, channels: 1 as const };
  const data = await sharp(mask.data, { raw })
    .resize(size.width, size.height, { kernel: 'nearest', fit: 'fill' })
    .toColourspace('b-w') // one band out, as in: sharp would otherwise write sRGB
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ...size };
}
