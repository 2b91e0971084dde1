// Detection data sets from the formats labelling tools export: COCO JSON, YOLO, Pascal VOC.

export {
  applyBoxOps,
  type BoxOp,
  hflipBoxes,
  imageOnly,
  type Letterbox,
  letterbox,
  randomHorizontalFlipBoxes,
  randomScaleCrop,
  unletterbox,
} from './augment.js';
export { checkBox } from './check-box.js';
export { openCoco } from './coco.js';
export { createDetectionLoader, type DetectionBatch, type DetectionLoader } from './loader.js';
export { type OpenDetectionOptions, openDetectionData } from './open.js';
export type * from './types.js';
export { openVoc } from './voc.js';
export { labelPathFor, openYolo } from './yolo.js';
