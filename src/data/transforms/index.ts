// Public surface of the transforms.
export {
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  type ColorJitterOptions,
  colorJitter,
} from './color-jitter.js';
export { applyOps, type ComposeOptions, compose } from './compose.js';
export {
  centerCrop,
  type RandomResizedCropOptions,
  randomResizedCrop,
  sampleCropBox,
} from './crop.js';
export { flipHorizontal, flipVertical, randomHorizontalFlip, randomVerticalFlip } from './flip.js';
export { type NormalizeParams, normalizeInto, normalizeTable } from './normalize.js';
export {
  type EvalTransformOptions,
  evalTransform,
  type PreprocessConfig,
  type TrainTransformOptions,
  trainTransform,
} from './presets.js';
export { type Box, crop, resample } from './resample.js';
export { resize, resizeShorter, shorterSideSize } from './resize.js';
export { randomRotation, rotateImage } from './rotate.js';
export type { ImageOp, Transform } from './types.js';
