// How large an image is segmented at. Sliding windows and resized logits keep one score per pixel
// and class (4 bytes each): a 16k×16k image with 21 classes would need 22 GB. An image whose score
// map would exceed MAX_SCORE_BYTES is decoded downscaled (aspect kept) so that it fits, segmented
// there, and its label map enlarged (nearest) to the image's own size: the index PNG keeps the
// promised size, the coloured mask and overlay are drawn at the working size. Memory then stays
// near MAX_SCORE_BYTES plus one byte per pixel of the original, whatever the image's size.
import sharp from 'sharp';
import type { ImageSize } from '../../data/detection/image-size.js';
import type { LabelMap } from '../../data/segmentation/types.js';
import type { DecodeHint } from '../../data/types.js';

/** Largest score map (pixels × classes × 4 bytes) kept while segmenting one image: 256 MiB. */
export const MAX_SCORE_BYTES = 256 * 2 ** 20;

/** The decode hint that brings `size` under the score budget, or undefined when it fits as is. */
export function workingHint(size: ImageSize, classes: number): DecodeHint | undefined {
  const pixels = Math.floor(MAX_SCORE_BYTES / 4 / Math.max(1, classes));
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
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ...size };
}
