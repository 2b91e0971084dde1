// Deterministic geometry: resize to an exact size, or scale the shorter side (aspect kept).
import type { Interpolation } from '../types.js';
import { resample } from './resample.js';
import type { ImageOp } from './types.js';

export function resize(
  width: number,
  height: number,
  interpolation: Interpolation = 'bilinear',
): ImageOp {
  return {
    name: `resize(${width}x${height})`,
    apply(img) {
      if (img.width === width && img.height === height) return img;
      return resample(
        img,
        { x: 0, y: 0, width: img.width, height: img.height },
        width,
        height,
        interpolation,
      );
    },
  };
}

/** Output size when the shorter side becomes `size` (longer side rounded, as torchvision). */
export function shorterSideSize(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.max(1, Math.round((height * size) / width))];
  return [Math.max(1, Math.round((width * size) / height)), size];
}

export function resizeShorter(size: number, interpolation: Interpolation = 'bilinear'): ImageOp {
  return {
    name: `resizeShorter(${size})`,
    apply(img) {
      if (Math.min(img.width, img.height) === size) return img;
      const [w, h] = shorterSideSize(img.width, img.height, size);
      return resample(
        img,
        { x: 0, y: 0, width: img.width, height: img.height },
        w,
        h,
        interpolation,
      );
    },
  };
}
