// Box-aware augmentation: every geometric op moves the image and its boxes together; boxes are
// clipped to the new image and dropped when mostly outside it (less than `minVisible` of their
// area left, or a side under 2 px, as YOLOv5's random_perspective drops them). Seeded like the
// image ops. `letterbox` also returns how to map boxes back to the original image.
import type { Rng } from '../../util/rng.js';
import { flipHorizontal } from '../transforms/flip.js';
import { crop, resample } from '../transforms/resample.js';
import type { ImageOp } from '../transforms/types.js';
import type { DecodedImage, Interpolation } from '../types.js';
import type { BBox, BoxAnnotation } from './types.js';

export interface BoxedImage {
  image: DecodedImage;
  boxes: BoxAnnotation[];
}

export interface BoxOp {
  readonly name: string;
  apply(input: BoxedImage, rng: Rng): BoxedImage;
}

/** YOLO's gray: padding that is neither black nor white, so it is not mistaken for content. */
export const PAD_FILL: [number, number, number] = [114, 114, 114];
const MIN_SIDE = 2;

/**
 * Boxes moved by x' = x·scale + dx (same for y), clipped to width × height; a box keeping less
 * than `minVisible` of its (scaled) area or a side under 2 px is dropped.
 */
export function moveBoxes(
  boxes: readonly BoxAnnotation[],
  t: { scale: number; dx: number; dy: number },
  width: number,
  height: number,
  minVisible = 0.5,
): BoxAnnotation[] {
  return boxes.flatMap((b) => {
    const [x, y, w, h] = b.bbox;
    const x0 = x * t.scale + t.dx;
    const y0 = y * t.scale + t.dy;
    const x1 = x0 + w * t.scale;
    const y1 = y0 + h * t.scale;
    const cx0 = Math.max(0, x0);
    const cy0 = Math.max(0, y0);
    const cw = Math.min(width, x1) - cx0;
    const ch = Math.min(height, y1) - cy0;
    if (cw < MIN_SIDE || ch < MIN_SIDE) return [];
    if ((cw * ch) / ((x1 - x0) * (y1 - y0)) < minVisible) return [];
    return [{ ...b, bbox: [cx0, cy0, cw, ch] as BBox }];
  });
}

export function hflipBoxes(input: BoxedImage): BoxedImage {
  const { width } = input.image;
  return {
    image: flipHorizontal(input.image),
    boxes: input.boxes.map((b) => ({
      ...b,
      bbox: [width - b.bbox[0] - b.bbox[2], b.bbox[1], b.bbox[2], b.bbox[3]] as BBox,
    })),
  };
}

export function randomHorizontalFlipBoxes(p = 0.5): BoxOp {
  return {
    name: `hflip(${p})`,
    apply: (input, rng) => (rng.next() < p ? hflipBoxes(input) : input),
  };
}

function scaled(img: DecodedImage, scale: number, interpolation: Interpolation): DecodedImage {
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  return resample(img, { x: 0, y: 0, width: img.width, height: img.height }, w, h, interpolation);
}

export interface ScaleCropOptions {
  /** Range of the scale factor applied before the crop (e.g. [0.5, 1.5]). */
  scale?: [number, number];
  /** Minimum share of a box's area that must stay in the crop (default 0.5). */
  minVisible?: number;
  interpolation?: Interpolation;
}

/**
 * Scales the image by a random factor, then takes a random `size` × `size` window of it (padding
 * with gray where the scaled image is smaller): objects change size and position, small ones
 * appear. Boxes follow, clipped, and mostly-cut ones are dropped.
 */
export function randomScaleCrop(size: number, options: ScaleCropOptions = {}): BoxOp {
  const [lo, hi] = options.scale ?? [0.5, 1.5];
  return {
    name: `scaleCrop(${size}, ${lo}-${hi})`,
    apply(input, rng) {
      const { width, height } = input.image;
      // The factor is relative to fitting the image's longer side in the window.
      const s = (size / Math.max(width, height)) * rng.uniform(lo, hi);
      const img = scaled(input.image, s, options.interpolation ?? 'bilinear');
      const left = Math.round(
        rng.uniform(Math.min(0, img.width - size), Math.max(0, img.width - size)),
      );
      const top = Math.round(
        rng.uniform(Math.min(0, img.height - size), Math.max(0, img.height - size)),
      );
      const sx = img.width / width;
      const sy = img.height / height;
      // Rounding the scaled size makes x and y scales differ by under a pixel: use each.
      const boxes = moveBoxes(
        input.boxes.map((b) => ({
          ...b,
          bbox: [b.bbox[0] * sx, b.bbox[1] * sy, b.bbox[2] * sx, b.bbox[3] * sy] as BBox,
        })),
        { scale: 1, dx: -left, dy: -top },
        size,
        size,
        options.minVisible,
      );
      return { image: crop(img, left, top, size, size, PAD_FILL), boxes };
    },
  };
}

/**
 * How a letterboxed image relates to its original: original = (letterboxed − pad) / scale, per
 * axis (the resized side is rounded to whole pixels, so the two scales differ slightly).
 */
export interface Letterbox {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/** Resizes to fit `size` × `size` keeping the aspect ratio, centred, padded with gray. */
export function letterbox(
  input: BoxedImage,
  size: number,
  interpolation: Interpolation = 'bilinear',
): BoxedImage & { letterbox: Letterbox } {
  const { width, height } = input.image;
  const scale = Math.min(size / width, size / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const img = resample(input.image, { x: 0, y: 0, width, height }, w, h, interpolation);
  const padX = Math.floor((size - w) / 2);
  const padY = Math.floor((size - h) / 2);
  const sx = w / width;
  const sy = h / height;
  const boxes = input.boxes.map((b) => ({
    ...b,
    bbox: [b.bbox[0] * sx + padX, b.bbox[1] * sy + padY, b.bbox[2] * sx, b.bbox[3] * sy] as BBox,
  }));
  return {
    image: crop(img, -padX, -padY, size, size, PAD_FILL),
    boxes,
    letterbox: { scaleX: sx, scaleY: sy, padX, padY },
  };
}

/** A box on the letterboxed image in the original image's pixels. */
export function unletterbox(bbox: BBox, l: Letterbox): BBox {
  return [
    (bbox[0] - l.padX) / l.scaleX,
    (bbox[1] - l.padY) / l.scaleY,
    bbox[2] / l.scaleX,
    bbox[3] / l.scaleY,
  ];
}

/** An image-only op (color jitter, …) as a box op: boxes unchanged. */
export function imageOnly(op: ImageOp): BoxOp {
  return {
    name: op.name,
    apply: (input, rng) => ({ image: op.apply(input.image, rng), boxes: input.boxes }),
  };
}

/** Runs box ops in order on one seeded stream. */
export function applyBoxOps(ops: readonly BoxOp[], input: BoxedImage, rng: Rng): BoxedImage {
  return ops.reduce((acc, op) => op.apply(acc, rng), input);
}
