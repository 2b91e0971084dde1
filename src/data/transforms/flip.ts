// Random mirror flips; p is the probability of flipping (p = 1 always flips).
import type { DecodedImage } from '../types.js';
import type { ImageOp } from './types.js';
import { makeImage } from './types.js';

export function flipHorizontal(img: DecodedImage): DecodedImage {
  const { width: w, height: h, data } = img;
  const out = makeImage(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3;
      const q = (y * w + (w - 1 - x)) * 3;
      out.data[q] = data[p]!;
      out.data[q + 1] = data[p + 1]!;
      out.data[q + 2] = data[p + 2]!;
    }
  }
  return out;
}

export function flipVertical(img: DecodedImage): DecodedImage {
  const { width: w, height: h, data } = img;
  const out = makeImage(w, h);
  const row = w * 3;
  for (let y = 0; y < h; y++)
    out.data.set(data.subarray(y * row, (y + 1) * row), (h - 1 - y) * row);
  return out;
}

export function randomHorizontalFlip(p = 0.5): ImageOp {
  return { name: `hflip(${p})`, apply: (img, rng) => (rng.next() < p ? flipHorizontal(img) : img) };
}

export function randomVerticalFlip(p = 0.5): ImageOp {
  return { name: `vflip(${p})`, apply: (img, rng) => (rng.next() < p ? flipVertical(img) : img) };
}
