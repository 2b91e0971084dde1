// Joint augmentation of an image and its label map, as the segmentation pipeline names it: the
// joint geometry (joint/augment.ts) applied to an image and its mask — the image interpolated as
// asked, the mask by nearest neighbour, padding gray in the image and the ignore index in the mask.
// Image-only ops (color jitter) leave the mask alone.
import type { Rng } from '../../util/rng.js';
import {
  type Annotated,
  applyJointOps,
  imageOnlyJoint,
  type JointOp,
  randomHorizontalFlipJoint,
  randomScaleCropJoint,
} from '../joint/augment.js';
import type { ImageOp } from '../transforms/types.js';
import type { Interpolation } from '../types.js';
import type { LabelMap } from './types.js';

export { flipMask, resampleMask } from '../joint/masks.js';

export interface MaskedImage extends Annotated {
  mask: LabelMap;
}

/** A joint op; on a MaskedImage it returns a MaskedImage. */
export type MaskOp = JointOp;

export const randomHorizontalFlipMasked = (p = 0.5): MaskOp => randomHorizontalFlipJoint(p);

/**
 * Scales by a random factor (relative to fitting the longer side in the window), then takes a
 * random size × size window, padding where the scaled image is smaller: gray in the image, the
 * ignore index in the mask. Scale default [0.5, 2].
 */
export function randomScaleCropMasked(
  size: number,
  options: { scale?: [number, number]; ignoreIndex: number; interpolation?: Interpolation },
): MaskOp {
  return randomScaleCropJoint(size, {
    scale: options.scale ?? [0.5, 2],
    maskFill: options.ignoreIndex,
    interpolation: options.interpolation,
  });
}

/** An image-only op (color jitter, …): the mask is unchanged. */
export const imageOnlyMasked = (op: ImageOp): MaskOp => imageOnlyJoint(op);

export const applyMaskOps = (ops: readonly MaskOp[], input: MaskedImage, rng: Rng): MaskedImage =>
  applyJointOps(ops, input, rng);
