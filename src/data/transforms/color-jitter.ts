// Color jitter as torchvision does it: brightness scales, contrast blends toward the mean gray
// level, saturation blends toward each pixel's gray; factors ~ U[max(0, 1 - x), 1 + x], applied
// in a random order. Hue jitter is left out (it needs an HSV round trip per pixel).
import type { DecodedImage } from '../types.js';
import type { ImageOp } from './types.js';
import { makeImage } from './types.js';

export interface ColorJitterOptions {
  brightness?: number;
  contrast?: number;
  saturation?: number;
}

function clamp255(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

const gray = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

export function adjustBrightness(img: DecodedImage, f: number): DecodedImage {
  const out = makeImage(img.width, img.height);
  for (let i = 0; i < img.data.length; i++) out.data[i] = clamp255(img.data[i]! * f);
  return out;
}

export function adjustContrast(img: DecodedImage, f: number): DecodedImage {
  const d = img.data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 3) sum += gray(d[i]!, d[i + 1]!, d[i + 2]!);
  const mean = sum / (d.length / 3);
  const out = makeImage(img.width, img.height);
  for (let i = 0; i < d.length; i++) out.data[i] = clamp255(f * d[i]! + (1 - f) * mean);
  return out;
}

export function adjustSaturation(img: DecodedImage, f: number): DecodedImage {
  const d = img.data;
  const out = makeImage(img.width, img.height);
  for (let i = 0; i < d.length; i += 3) {
    const g = gray(d[i]!, d[i + 1]!, d[i + 2]!);
    out.data[i] = clamp255(f * d[i]! + (1 - f) * g);
    out.data[i + 1] = clamp255(f * d[i + 1]! + (1 - f) * g);
    out.data[i + 2] = clamp255(f * d[i + 2]! + (1 - f) * g);
  }
  return out;
}

export function colorJitter(options: ColorJitterOptions): ImageOp {
  const steps: [number, (img: DecodedImage, f: number) => DecodedImage][] = [
    [options.brightness ?? 0, adjustBrightness],
    [options.contrast ?? 0, adjustContrast],
    [options.saturation ?? 0, adjustSaturation],
  ];
  return {
    name: 'colorJitter',
    apply(img, rng) {
      let out = img;
      for (const k of rng.permutation(3)) {
        const [amount, fn] = steps[k]!;
        if (amount <= 0) continue;
        out = fn(out, rng.uniform(Math.max(0, 1 - amount), 1 + amount));
      }
      return out;
    },
  };
}
