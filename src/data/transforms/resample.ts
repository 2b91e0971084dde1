// Separable resampling of a (sub-pixel) box of an image to a new size, with antialiasing when
// shrinking (the filter widens by the scale factor, as PIL does). Resize, crops and random
// resized crop all go through here, so there is one interpolation code path to get right.
import type { DecodedImage, Interpolation } from '../types.js';
import { makeImage } from './types.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

/** Keys cubic with a = -0.5 (PIL's bicubic). */
function cubic(x: number): number {
  const a = Math.abs(x);
  if (a < 1) return (1.5 * a - 2.5) * a * a + 1;
  if (a < 2) return ((-0.5 * a + 2.5) * a - 4) * a + 2;
  return 0;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  maxTaps: number;
}

/** Filter taps for one axis: output i covers source [offset + i*scale, offset + (i+1)*scale). */
function taps(
  inSize: number,
  offset: number,
  length: number,
  outSize: number,
  interp: Interpolation,
): Taps {
  const scale = length / outSize;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  if (interp === 'nearest') {
    const weights = new Float64Array(outSize).fill(1);
    for (let i = 0; i < outSize; i++) {
      const src = Math.floor(offset + (i + 0.5) * scale);
      start[i] = Math.min(inSize - 1, Math.max(0, src));
      count[i] = 1;
    }
    return { start, count, weights, maxTaps: 1 };
  }
  const kernel = interp === 'bicubic' ? cubic : triangle;
  const support = (interp === 'bicubic' ? 2 : 1) * Math.max(1, scale);
  const invFilterScale = 1 / Math.max(1, scale);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = offset + (i + 0.5) * scale - 0.5;
    let lo = Math.ceil(center - support);
    let hi = Math.floor(center + support);
    lo = Math.max(0, lo);
    hi = Math.min(inSize - 1, hi);
    if (hi < lo) {
      // Box entirely outside the image (only in degenerate boxes): clamp to the nearest edge.
      lo = hi = Math.min(inSize - 1, Math.max(0, Math.round(center)));
    }
    let sum = 0;
    const n = Math.min(maxTaps, hi - lo + 1);
    for (let k = 0; k < n; k++) {
      const w = kernel((lo + k - center) * invFilterScale);
      weights[i * maxTaps + k] = w;
      sum += w;
    }
    if (sum === 0) {
      weights[i * maxTaps] = 1;
      sum = 1;
    }
    for (let k = 0; k < n; k++) weights[i * maxTaps + k] /= sum;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, maxTaps };
}

/** Resamples `box` of `img` to `outWidth` x `outHeight`. */
export function resample(
  img: DecodedImage,
  box: Box,
  outWidth: number,
  outHeight: number,
  interp: Interpolation,
): DecodedImage {
  const { width: W, height: H, data } = img;
  const tx = taps(W, box.x, box.width, outWidth, interp);
  const ty = taps(H, box.y, box.height, outHeight, interp);
  // Horizontal pass over only the source rows the vertical pass will read.
  let rowLo = H;
  let rowHi = -1;
  for (let i = 0; i < outHeight; i++) {
    rowLo = Math.min(rowLo, ty.start[i]!);
    rowHi = Math.max(rowHi, ty.start[i]! + ty.count[i]! - 1);
  }
  const rows = rowHi - rowLo + 1;
  const tmp = new Float64Array(rows * outWidth * 3);
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowLo + r) * W * 3;
    for (let ox = 0; ox < outWidth; ox++) {
      const s = tx.start[ox]!;
      const n = tx.count[ox]!;
      const wb = ox * tx.maxTaps;
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let k = 0; k < n; k++) {
        const w = tx.weights[wb + k]!;
        const p = srcRow + (s + k) * 3;
        r0 += w * data[p]!;
        g0 += w * data[p + 1]!;
        b0 += w * data[p + 2]!;
      }
      const q = (r * outWidth + ox) * 3;
      tmp[q] = r0;
      tmp[q + 1] = g0;
      tmp[q + 2] = b0;
    }
  }
  const out = makeImage(outWidth, outHeight);
  const od = out.data;
  for (let oy = 0; oy < outHeight; oy++) {
    const s = ty.start[oy]! - rowLo;
    const n = ty.count[oy]!;
    const wb = oy * ty.maxTaps;
    for (let ox = 0; ox < outWidth; ox++) {
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let k = 0; k < n; k++) {
        const w = ty.weights[wb + k]!;
        const p = ((s + k) * outWidth + ox) * 3;
        r0 += w * tmp[p]!;
        g0 += w * tmp[p + 1]!;
        b0 += w * tmp[p + 2]!;
      }
      const q = (oy * outWidth + ox) * 3;
      // Clamp explicitly: cubic overshoots, and Uint8Array stores wrap rather than saturate.
      od[q] = r0 <= 0 ? 0 : r0 >= 255 ? 255 : Math.round(r0);
      od[q + 1] = g0 <= 0 ? 0 : g0 >= 255 ? 255 : Math.round(g0);
      od[q + 2] = b0 <= 0 ? 0 : b0 >= 255 ? 255 : Math.round(b0);
    }
  }
  return out;
}

/** Integer crop; regions outside the image are filled with `fill` (torchvision pads with 0). */
export function crop(
  img: DecodedImage,
  left: number,
  top: number,
  width: number,
  height: number,
  fill: [number, number, number] = [0, 0, 0],
): DecodedImage {
  const out = makeImage(width, height);
  const od = out.data;
  for (let y = 0; y < height; y++) {
    const sy = top + y;
    for (let x = 0; x < width; x++) {
      const sx = left + x;
      const q = (y * width + x) * 3;
      if (sy < 0 || sy >= img.height || sx < 0 || sx >= img.width) {
        od[q] = fill[0];
        od[q + 1] = fill[1];
        od[q + 2] = fill[2];
      } else {
        const p = (sy * img.width + sx) * 3;
        od[q] = img.data[p]!;
        od[q + 1] = img.data[p + 1]!;
        od[q + 2] = img.data[p + 2]!;
      }
    }
  }
  return out;
}
