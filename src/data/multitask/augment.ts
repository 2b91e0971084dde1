// The training augmentation of a multi-task run: a horizontal flip and a random scale-crop to the
// input size (one geometry for the image, every task's boxes and every task's mask), then colour
// jitter on the image alone. Mask padding takes the segmentation tasks' ignore index, so those
// tasks must agree on it.
import { badInput } from '../../errors.js';
import {
  imageOnlyJoint,
  type JointOp,
  randomHorizontalFlipJoint,
  randomScaleCropJoint,
} from '../joint/augment.js';
import { DEFAULT_IGNORE_INDEX } from '../segmentation/types.js';
import { colorJitter } from '../transforms/color-jitter.js';
import type { TaskShape } from './types.js';

export interface MultiTaskAugmentOptions {
  /** Scale-crop factor range, relative to fitting the longer side in the input. */
  scale: [number, number];
  /** Brightness, contrast and saturation jitter; 0 turns it off. */
  colorJitter: number;
  /** Probability of the horizontal flip (default 0.5). */
  flip?: number;
}

export function multiTaskAugmentation(
  size: number,
  tasks: readonly TaskShape[],
  options: MultiTaskAugmentOptions,
): JointOp[] {
  const fills = [
    ...new Set(
      tasks
        .filter((t) => t.kind === 'segmentation')
        .map((t) => t.ignoreIndex ?? DEFAULT_IGNORE_INDEX),
    ),
  ];
  if (fills.length > 1)
    throw badInput(
      `the segmentation tasks use different ignore indices (${fills.join(', ')}); give them one ignoreIndex`,
    );
  const jitter = options.colorJitter;
  return [
    randomHorizontalFlipJoint(options.flip ?? 0.5),
    randomScaleCropJoint(size, {
      scale: options.scale,
      maskFill: fills[0] ?? DEFAULT_IGNORE_INDEX,
    }),
    ...(jitter > 0
      ? [imageOnlyJoint(colorJitter({ brightness: jitter, contrast: jitter, saturation: jitter }))]
      : []),
  ];
}
