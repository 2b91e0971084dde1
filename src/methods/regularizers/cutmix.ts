// CutMix (Yun et al., ICCV 2019): paste a box from a partner image and mix the targets by the
// pasted area. λ ~ Beta(α, α); the box has sides H·√(1 − λ) and W·√(1 − λ) around a centre drawn
// uniformly over the pixels, clipped to the image; since clipping (and rounding to whole pixels)
// changes the area, λ is recomputed as 1 − (pasted area)/(H·W) and the targets use that.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';
import type { Rng } from '../../util/rng.js';
import { sampleBeta } from './beta.js';
import { blend, checkBatch } from './mixup.js';
import type { Box, MixResult } from './types.js';

/** Yun et al. use α = 1 (λ uniform on [0, 1]) for ImageNet and CIFAR. */
export const DEFAULT_CUTMIX_ALPHA = 1;

const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);

/**
 * The box for λ centred on pixel (cy, cx): cut sides round(H·√(1 − λ)) × round(W·√(1 − λ)),
 * starting floor(side/2) before the centre, then clipped to [0, H) × [0, W).
 */
export function cutmixBox(h: number, w: number, lambda: number, cy: number, cx: number): Box {
  if (!(lambda >= 0 && lambda <= 1)) throw badUsage(`cutmix: λ must be in [0, 1] (got ${lambda})`);
  const r = Math.sqrt(1 - lambda);
  const cutH = Math.round(h * r);
  const cutW = Math.round(w * r);
  const top = cy - Math.floor(cutH / 2);
  const left = cx - Math.floor(cutW / 2);
  return {
    y1: clamp(top, h),
    y2: clamp(top + cutH, h),
    x1: clamp(left, w),
    x2: clamp(left + cutW, w),
  };
}

/** The share of the image kept from the original sample once `box` is pasted over it. */
export function keptFraction(h: number, w: number, box: Box): number {
  return 1 - ((box.y2 - box.y1) * (box.x2 - box.x1)) / (h * w);
}

/** CutMix with a given box and permutation (the deterministic core; `cutmix` draws them). */
export function cutmixWith(
  x: tf.Tensor4D,
  targets: tf.Tensor2D,
  box: Box,
  perm: readonly number[],
): MixResult {
  checkBatch(x, targets, perm);
  const [, h, w] = x.shape;
  const { y1, y2, x1, x2 } = box;
  if (!(0 <= y1 && y1 <= y2 && y2 <= h && 0 <= x1 && x1 <= x2 && x2 <= w)) {
    throw badUsage(`cutmix: box ${JSON.stringify(box)} is not inside a ${h}x${w} image`);
  }
  const lambda = keptFraction(h, w, box);
  const mask = new Uint8Array(h * w);
  for (let y = y1; y < y2; y++) mask.fill(1, y * w + x1, y * w + x2);
  const mixed = tf.tidy(() => {
    const inBox = tf.tensor4d(mask, [1, h, w, 1], 'bool');
    const partner = tf.gather(x, tf.tensor1d(perm as number[], 'int32'));
    // where, not a 0/1 blend: pixels outside the box stay bit-identical even next to NaN/Inf.
    return tf.where(inBox, partner, x) as tf.Tensor4D;
  });
  return {
    x: mixed,
    targets: blend(targets, lambda, perm),
    lambda,
    perm: [...perm],
    kind: 'cutmix',
    box: { ...box },
  };
}

/** CutMix drawing from `rng`, in this order: λ ~ Beta(α, α), the permutation, centre row, column. */
export function cutmix(
  x: tf.Tensor4D,
  targets: tf.Tensor2D,
  rng: Rng,
  options: { alpha?: number } = {},
): MixResult {
  const alpha = options.alpha ?? DEFAULT_CUTMIX_ALPHA;
  checkBatch(x, targets);
  const [n, h, w] = x.shape;
  const lambda = sampleBeta(rng, alpha, alpha);
  const perm = rng.permutation(n);
  const cy = rng.int(h);
  const cx = rng.int(w);
  return cutmixWith(x, targets, cutmixBox(h, w, lambda, cy, cx), perm);
}
