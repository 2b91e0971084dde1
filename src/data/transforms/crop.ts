// Crops: center crop (eval) and random resized crop (train, torchvision's algorithm).
import type { Interpolation } from '../types.js';
import { crop, resample } from './resample.js';
import type { ImageOp } from './types.js';

/** Center crop; offsets floor((H - h) / 2); pads with black when the image is smaller. */
export function centerCrop(width: number, height: number = width): ImageOp {
  return {
    name: `centerCrop(${width}x${height})`,
    apply(img) {
      if (img.width === width && img.height === height) return img;
      const left = Math.floor((img.width - width) / 2);
      const top = Math.floor((img.height - height) / 2);
      return crop(img, left, top, width, height);
    },
  };
}

export interface RandomResizedCropOptions {
  /** Fraction of the image area, as torchvision: [0.08, 1]. */
  scale?: [number, number];
  /** Aspect ratio w/h, sampled log-uniformly: [3/4, 4/3]. */
  ratio?: [number, number];
  interpolation?: Interpolation;
}

/** The crop box torchvision's RandomResizedCrop.get_params would pick for this draw. */
export function sampleCropBox(
  width: number,
  height: number,
  scale: [number, number],
  ratio: [number, number],
  rng: { uniform(lo: number, hi: number): number; int(n: number): number },
): { left: number; top: number; width: number; height: number } {
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const r = Math.exp(rng.uniform(logLo, logHi));
    const w = Math.round(Math.sqrt(target * r));
    const h = Math.round(Math.sqrt(target / r));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { left: rng.int(width - w + 1), top: rng.int(height - h + 1), width: w, height: h };
    }
  }
  // Fallback: the largest centered crop with the ratio clamped into range.
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return {
    left: Math.floor((width - w) / 2),
    top: Math.floor((height - h) / 2),
    width: w,
    height: h,
  };
}

export function randomResizedCrop(size: number, options: RandomResizedCropOptions = {}): ImageOp {
  const scale = options.scale ?? [0.08, 1];
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  const interpolation = options.interpolation ?? 'bilinear';
  return {
    name: `randomResizedCrop(${size})`,
    apply(img, rng) {
      const b = sampleCropBox(img.width, img.height, scale, ratio, rng);
      const box = { x: b.left, y: b.top, width: b.width, height: b.height };
      return resample(img, box, size, size, interpolation);
    },
  };
}
