// The one geometry of every augmentation pipeline: an image and whatever labels it carries in pixel
// space (boxes, a label map) move together. Each op draws its randomness once and applies the same
// transform to the image (interpolated as asked), its boxes (scaled, shifted, clipped, mostly-cut
// ones dropped) and its mask (nearest neighbour; padding gets the ignore index, so it never counts
// as a class). Detection (boxes), segmentation (a mask) and multi-task data (both, or neither) use
// these same ops; image-only ops (color jitter) leave the labels alone. Platform-free.
import type { Rng } from '../../util/rng.js';
import type { BoxAnnotation } from '../detection/types.js';
import { DEFAULT_IGNORE_INDEX, type LabelMap } from '../segmentation/types.js';
import { flipHorizontal } from '../transforms/flip.js';
import { crop, resample } from '../transforms/resample.js';
import type { ImageOp } from '../transforms/types.js';
import type { DecodedImage, Interpolation } from '../types.js';
import { flipBoxes, moveBoxes, scaleBoxes, shiftBoxes } from './boxes.js';
import { flipMask, resampleMask } from './masks.js';

/** An image with the labels that live in its pixel space; absent labels stay absent. */
export interface Annotated {
  image: DecodedImage;
  /** Boxes in the image's pixels. */
  boxes?: BoxAnnotation[];
  /** One class index per pixel, the image's width × height. */
  mask?: LabelMap;
}

export interface JointOp {
  readonly name: string;
  /** Pure given (input, rng); returns the input's own type (what it carries, it still carries). */
  apply<T extends Annotated>(input: T, rng: Rng): T;
}

/** YOLO's gray: padding that is neither black nor white, so it is not mistaken for content. */
export const PAD_FILL: [number, number, number] = [114, 114, 114];

/** `input` with its geometry replaced by `parts` (other fields, e.g. a letterbox, kept). */
function moved<T extends Annotated>(input: T, parts: Annotated): T {
  return {
    ...input,
    image: parts.image,
    ...(input.boxes ? { boxes: parts.boxes } : {}),
    ...(input.mask ? { mask: parts.mask } : {}),
  } as T;
}

export function hflipJoint<T extends Annotated>(input: T): T {
  return moved(input, {
    image: flipHorizontal(input.image),
    boxes: input.boxes && flipBoxes(input.boxes, input.image.width),
    mask: input.mask && flipMask(input.mask),
  });
}

export function randomHorizontalFlipJoint(p = 0.5): JointOp {
  return {
    name: `hflip(${p})`,
    apply: (input, rng) => (rng.next() < p ? hflipJoint(input) : input),
  };
}

export interface ScaleCropOptions {
  /** Range of the scale factor applied before the crop, relative to fitting the longer side. */
  scale: [number, number];
  /** Minimum share of a box's area that must stay in the crop (default 0.5). */
  minVisible?: number;
  interpolation?: Interpolation;
  /** The label of mask pixels outside the scaled image (default 255, the usual ignore index). */
  maskFill?: number;
}

/**
 * The whole image resized to w × h, then the window [left, left + size) × [top, top + size) of it
 * (gray outside the resized image): the one resize-and-window step that random scale-crops and
 * letterboxes both are.
 */
function resizeWindow<T extends Annotated>(
  input: T,
  w: number,
  h: number,
  window: { left: number; top: number; size: number },
  options: { interpolation?: Interpolation; maskFill?: number; minVisible?: number; clip: boolean },
): T {
  const { width, height } = input.image;
  const { left, top, size } = window;
  const whole = { x: 0, y: 0, width, height };
  const resized = resample(input.image, whole, w, h, options.interpolation ?? 'bilinear');
  const fill = options.maskFill ?? DEFAULT_IGNORE_INDEX;
  // Rounding the resized size makes x and y scales differ by under a pixel: use each.
  const boxes = input.boxes && scaleBoxes(input.boxes, w / width, h / height);
  return moved(input, {
    image: crop(resized, left, top, size, size, PAD_FILL),
    boxes:
      boxes &&
      (options.clip
        ? moveBoxes(boxes, { scale: 1, dx: -left, dy: -top }, size, size, options.minVisible)
        : shiftBoxes(boxes, -left, -top)),
    mask:
      input.mask &&
      resampleMask(
        resampleMask(input.mask, whole, w, h, fill),
        { x: left, y: top, width: size, height: size },
        size,
        size,
        fill,
      ),
  });
}

/**
 * Scales the image by a random factor (relative to fitting its longer side in the window), then
 * takes a random `size` × `size` window of it, padding where the scaled image is smaller: objects
 * change size and position, small ones appear. Boxes follow, clipped, and mostly-cut ones are
 * dropped; the mask follows by nearest neighbour with `maskFill` in the padding.
 */
export function randomScaleCropJoint(size: number, options: ScaleCropOptions): JointOp {
  const [lo, hi] = options.scale;
  return {
    name: `scaleCrop(${size}, ${lo}-${hi})`,
    apply(input, rng) {
      const { width, height } = input.image;
      const s = (size / Math.max(width, height)) * rng.uniform(lo, hi);
      const w = Math.max(1, Math.round(width * s));
      const h = Math.max(1, Math.round(height * s));
      const left = Math.round(rng.uniform(Math.min(0, w - size), Math.max(0, w - size)));
      const top = Math.round(rng.uniform(Math.min(0, h - size), Math.max(0, h - size)));
      return resizeWindow(input, w, h, { left, top, size }, { ...options, clip: true });
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

/** Resizes to fit `size` × `size` keeping the aspect ratio, centred, padded (gray, `maskFill`). */
export function letterboxJoint<T extends Annotated>(
  input: T,
  size: number,
  options: { interpolation?: Interpolation; maskFill?: number } = {},
): T & { letterbox: Letterbox } {
  const { width, height } = input.image;
  const scale = Math.min(size / width, size / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const padX = Math.floor((size - w) / 2);
  const padY = Math.floor((size - h) / 2);
  const result = resizeWindow(
    input,
    w,
    h,
    { left: -padX, top: -padY, size },
    {
      ...options,
      clip: false,
    },
  );
  return { ...result, letterbox: { scaleX: w / width, scaleY: h / height, padX, padY } };
}

/** An image-only op (color jitter, …) as a joint op: boxes and mask unchanged. */
export function imageOnlyJoint(op: ImageOp): JointOp {
  return {
    name: op.name,
    apply: (input, rng) => ({ ...input, image: op.apply(input.image, rng) }),
  };
}

/** Runs joint ops in order on one seeded stream. */
export function applyJointOps<T extends Annotated>(ops: readonly JointOp[], input: T, rng: Rng): T {
  return ops.reduce((acc, op) => op.apply(acc, rng), input);
}
