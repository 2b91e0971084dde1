// Semantic segmentation: U-Net and DeepLabV3+ decoders on registry backbones, their losses, the
// training run, inference at each image's own size (resize or sliding windows), and bundles at work.

export { buildDeeplabV3Plus } from '../../heads/segmentation/deeplab.js';
export {
  combinedLoss,
  diceLoss,
  type SegmentationLoss,
  segmentationCrossEntropy,
  segmentationFocalLoss,
} from '../../heads/segmentation/losses.js';
export type { DecoderOptions, Segmenter } from '../../heads/segmentation/segmenter.js';
export { buildUnet } from '../../heads/segmentation/unet.js';
export {
  evaluateSegmenterBundle,
  type InferenceOptions,
  openSegmenterBundle,
  type PredictedMask,
  predictMasks,
  type SegmenterBundle,
} from './bundle-segmenter.js';
export { resolveSegmentConfig, type SegmentConfig, type SegmentConfigInput } from './config.js';
export { evaluateSegmenter, type SegmenterEvaluation } from './evaluate.js';
export {
  chooseMode,
  type InferenceMode,
  type SegmentedImage,
  segmentImage,
} from './segment-image.js';
export { type SegmentRunResult, trainSegmenter } from './train.js';
