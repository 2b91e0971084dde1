// Semantic segmentation data: folders of image/mask pairs, mask files to label maps, and COCO
// polygons/RLE painted into label maps.

export {
  applyMaskOps,
  flipMask,
  imageOnlyMasked,
  type MaskedImage,
  type MaskOp,
  randomHorizontalFlipMasked,
  randomScaleCropMasked,
  resampleMask,
} from './augment.js';
export {
  annotationMask,
  type CocoMaskAnnotation,
  type CocoToLabelMapOptions,
  cocoToLabelMap,
} from './coco-masks.js';
export { openSegmentationFolder, type SegmentationFolderOptions } from './folder.js';
export {
  createSegmentationLoader,
  type SegmentationBatch,
  type SegmentationLoader,
  type SegmentationLoaderOptions,
} from './loader.js';
export {
  type OpenSegmentationOptions,
  openSegmentationData,
  readClassesFile,
  VOC_CLASSES,
} from './open.js';
export { type FillRule, fillPolygon } from './polygon.js';
export { type ReadMaskOptions, readMask } from './read-mask.js';
export { decodeCounts, decodeRle, encodeCounts, encodeRle, type Rle } from './rle.js';
export { type MaskSource, sampleMask } from './sample-mask.js';
export {
  DEFAULT_IGNORE_INDEX,
  type LabelMap,
  type MaskMode,
  type SegmentationDataset,
  type SegmentationSample,
} from './types.js';
export { vocColormap } from './voc-colormap.js';
