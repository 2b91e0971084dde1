// Joint augmentation of an image and its label map: every geometric op moves both the same way —
// the image interpolated as asked, the mask by nearest neighbour (labels are not averaged) — and
// padding is gray in the image and the ignore index in the mask, so padding never counts as a
// class. Image-only ops (color jitter) leave the mask alone. Seeded like the other pipelines.
import type { Rng } from '../../util/rng.js';
import { PAD_FILL } from '../detection/augment.js';
import { flipHorizontal } from '../transforms/flip.js';
import { crop, resample } from '../transforms/resample.js';
import type { ImageOp } from '../transforms/types.js';
import type { DecodedImage, Interpolation } from '../types.js';
import type { LabelMap } from './types.js';

export interface MaskedImage {
  image: DecodedImage;
  mask: LabelMap;
}

export interface MaskOp {
  readonly name: string;
  apply(input: MaskedImage, rng: Rng): MaskedImage;
}

/**
 * The mask's `box` (source pixels) resampled to outWidth × outHeight by nearest neighbour: each
 * output pixel takes the label under its centre; outside the mask, `fill`.
 */
export function resampleMask(
  mask: LabelMap,
  box: { x: number; y: number; width: number; height: number },
  outWidth: number,
  outHeight: number,
  fill: number,
): LabelMap {
  const data = new Uint8Array(outWidth * outHeight);
  const sx = box.width / outWidth;
  const sy = box.height / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const my = Math.floor(box.y + (y + 0.5) * sy);
    for (let x = 0; x < outWidth; x++) {
      const mx = Math.floor(box.x + (x + 0.5) * sx);
      const inside = mx >= 0 && mx < mask.width && my >= 0 && my < mask.height;
      data[y * outWidth + x] = inside ? mask.data[my * mask.width + mx] : fill;
    }
  }
  return { data, width: outWidth, height: outHeight };
}

export function flipMask(mask: LabelMap): LabelMap {
  const data = new Uint8Array(mask.data.length);
  for (let y = 0; y < mask.height; y++)
    for (let x = 0; x < mask.width; x++)
      data[y * mask.width + x] = mask.data[y * mask.width + mask.width - 1 - x];
  return { data, width: mask.width, height: mask.height };
}

export function randomHorizontalFlipMasked(p = 0.5): MaskOp {
  return {
    name: `hflip(${p})`,
    apply: (input, rng) =>
      rng.next() < p ? { image: flipHorizontal(input.image), mask: flipMask(input.mask) } : input,
  };
}

/**
 * Scales by a random factor (relative to fitting the longer side in the window), then takes a
 * random size × size window, padding where the scaled image is smaller: gray in the image, the
 * ignore index in the mask.
 */
export function randomScaleCropMasked(
  size: number,
  options: { scale?: [number, number]; ignoreIndex: number; interpolation?: Interpolation },
): MaskOp {
  const [lo, hi] = options.scale ?? [0.5, 2];
  return {
    name: `scaleCrop(${size}, ${lo}-${hi})`,
    apply(input, rng) {
      const { width, height } = input.image;
      const s = (size / Math.max(width, height)) * rng.uniform(lo, hi);
      const w = Math.max(1, Math.round(width * s));
      const h = Math.max(1, Math.round(height * s));
      const whole = { x: 0, y: 0, width, height };
      const image = resample(input.image, whole, w, h, options.interpolation ?? 'bilinear');
      const mask = resampleMask(input.mask, whole, w, h, options.ignoreIndex);
      const left = Math.round(rng.uniform(Math.min(0, w - size), Math.max(0, w - size)));
      const top = Math.round(rng.uniform(Math.min(0, h - size), Math.max(0, h - size)));
      return {
        image: crop(image, left, top, size, size, PAD_FILL),
        mask: resampleMask(
          mask,
          { x: left, y: top, width: size, height: size },
          size,
          size,
          options.ignoreIndex,
        ),
      };
    },
  };
}

/** An image-only op (color jitter, …): the mask is unchanged. */
export function imageOnlyMasked(op: ImageOp): MaskOp {
  return {
    name: op.name,
    apply: (input, rng) => ({ image: op.apply(input.image, rng), mask: input.mask }),
  };
}

export function applyMaskOps(ops: readonly MaskOp[], input: MaskedImage, rng: Rng): MaskedImage {
  return ops.reduce((acc, op) => op.apply(acc, rng), input);
}
