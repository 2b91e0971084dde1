// Box-aware augmentation, as the detection pipeline names it: the joint geometry (joint/augment.ts)
// applied to an image and its boxes. Boxes are clipped to the new image and dropped when mostly
// outside it; `letterbox` also returns how to map boxes back to the original image.
import type { Rng } from '../../util/rng.js';
import {
  type Annotated,
  applyJointOps,
  hflipJoint,
  imageOnlyJoint,
  type JointOp,
  type ScaleCropOptions as JointScaleCropOptions,
  type Letterbox,
  letterboxJoint,
  randomHorizontalFlipJoint,
  randomScaleCropJoint,
} from '../joint/augment.js';
import type { ImageOp } from '../transforms/types.js';
import type { Interpolation } from '../types.js';
import type { BBox, BoxAnnotation } from './types.js';

export { type Letterbox, PAD_FILL } from '../joint/augment.js';
export { moveBoxes } from '../joint/boxes.js';

export interface BoxedImage extends Annotated {
  boxes: BoxAnnotation[];
}

/** A joint op; on a BoxedImage it returns a BoxedImage. */
export type BoxOp = JointOp;

export const hflipBoxes = (input: BoxedImage): BoxedImage => hflipJoint(input);

export const randomHorizontalFlipBoxes = (p = 0.5): BoxOp => randomHorizontalFlipJoint(p);

export type ScaleCropOptions = Partial<Omit<JointScaleCropOptions, 'maskFill'>>;

/**
 * Scales the image by a random factor, then takes a random `size` × `size` window of it (padding
 * with gray where the scaled image is smaller): objects change size and position, small ones
 * appear. Boxes follow, clipped, and mostly-cut ones are dropped. Scale default [0.5, 1.5].
 */
export function randomScaleCrop(size: number, options: ScaleCropOptions = {}): BoxOp {
  return randomScaleCropJoint(size, { ...options, scale: options.scale ?? [0.5, 1.5] });
}

/** Resizes to fit `size` × `size` keeping the aspect ratio, centred, padded with gray. */
export function letterbox(
  input: BoxedImage,
  size: number,
  interpolation: Interpolation = 'bilinear',
): BoxedImage & { letterbox: Letterbox } {
  return letterboxJoint(input, size, { interpolation });
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
export const imageOnly = (op: ImageOp): BoxOp => imageOnlyJoint(op);

/** Runs box ops in order on one seeded stream. */
export const applyBoxOps = (ops: readonly BoxOp[], input: BoxedImage, rng: Rng): BoxedImage =>
  applyJointOps(ops, input, rng);
