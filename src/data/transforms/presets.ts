// The standard pipelines, built from a backbone's PretrainedConfig.
// eval (timm): resize shorter side to floor(size / cropPct), center crop size. No decode hint:
// inference resamples here in TS, never in the decoder, so Node and the browser (web/) agree.
// train (timm defaults): random resized crop, horizontal flip 0.5, color jitter 0.4.
import type { PretrainedConfig } from '../../backbones/types.js';
import { type ColorJitterOptions, colorJitter } from './color-jitter.js';
import { compose } from './compose.js';
import { centerCrop, randomResizedCrop } from './crop.js';
import { randomHorizontalFlip, randomVerticalFlip } from './flip.js';
import { resizeShorter } from './resize.js';
import { randomRotation } from './rotate.js';
import type { ImageOp, Transform } from './types.js';

export type PreprocessConfig = Pick<
  PretrainedConfig,
  'inputSize' | 'mean' | 'std' | 'interpolation'
>;

export interface EvalTransformOptions {
  /** Output size; default config.inputSize. */
  size?: number;
  /** Fraction of the resized image kept by the center crop; default 0.875. */
  cropPct?: number;
}

export function evalTransform(
  config: PreprocessConfig,
  options: EvalTransformOptions = {},
): Transform {
  const size = options.size ?? config.inputSize;
  const resizeTo = Math.floor(size / (options.cropPct ?? 0.875));
  const interpolation = config.interpolation;
  return compose([resizeShorter(resizeTo, interpolation), centerCrop(size)], {
    size,
    mean: config.mean,
    std: config.std,
  });
}

export interface TrainTransformOptions {
  size?: number;
  scale?: [number, number];
  ratio?: [number, number];
  /** Probability of a horizontal flip; default 0.5. */
  hflip?: number;
  /** Probability of a vertical flip; default 0 (most photos have an up). */
  vflip?: number;
  /** Max rotation in degrees; default 0 (off). */
  rotate?: number;
  /** Default 0.4 for brightness, contrast and saturation; `false` turns it off. */
  colorJitter?: ColorJitterOptions | false;
  /**
   * The decoder shrinks photos so the shorter side is at most this (default 2 x size) before the
   * random crop: bounded memory per image at the cost of detail in the smallest crops.
   */
  maxDecodeSide?: number;
}

export function trainTransform(
  config: PreprocessConfig,
  options: TrainTransformOptions = {},
): Transform {
  const size = options.size ?? config.inputSize;
  const interpolation = config.interpolation;
  const ops: ImageOp[] = [
    randomResizedCrop(size, { scale: options.scale, ratio: options.ratio, interpolation }),
  ];
  const hflip = options.hflip ?? 0.5;
  if (hflip > 0) ops.push(randomHorizontalFlip(hflip));
  if ((options.vflip ?? 0) > 0) ops.push(randomVerticalFlip(options.vflip));
  if ((options.rotate ?? 0) > 0) ops.push(randomRotation(options.rotate!));
  const jitter = options.colorJitter ?? { brightness: 0.4, contrast: 0.4, saturation: 0.4 };
  if (jitter) ops.push(colorJitter(jitter));
  return compose(ops, {
    size,
    mean: config.mean,
    std: config.std,
    decodeHint: {
      mode: 'shorter',
      size: options.maxDecodeSide ?? 2 * size,
      interpolation,
      downscaleOnly: true,
    },
  });
}
