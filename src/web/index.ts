// visiontune/web: the browser runtime. Loads bundles by URL with every custom layer registered,
// preprocesses images exactly as Node does (the same TS resize, crop and normalization), and
// decodes every task's output with Node's own code. Imports nothing Node-only.
export type { BundleMeta, Preprocessing } from '../bundle/meta.js';
export type { BatchModel, BatchRunner } from '../bundle/predict-batch.js';
export type { DecodedImage } from '../data/types.js';
export { VisiontuneError } from '../errors.js';
export type { DecodeSettings, FoundBox } from '../methods/detection/found-boxes.js';
export { type Classification, classify, forward, preprocess } from './classify.js';
export { type Detection, detect } from './detect.js';
export { addClasses, type NewClass } from './fewshot.js';
export { flattenRgba } from './flatten.js';
export { decodeBlob, fetchImage, type ImageInput, toDecodedImage } from './image-input.js';
export {
  loadBundle,
  type OrtLike,
  type OrtSessionLike,
  onnxRunner,
  type WebBundle,
} from './load-bundle.js';
export { type Segmentation, segment } from './segment.js';
