// Object detection: the FCOS detector on registry backbones, its training run, and bundles at work.

export { type DecodeOptions, decodeBatch, decodeDetections } from '../../heads/detection/decode.js';
export { batchTargets, fcosLoss } from '../../heads/detection/fcos-loss.js';
export {
  buildDetector,
  type Detector,
  type DetectorOptions,
} from '../../heads/detection/fcos-model.js';
export type { DetectorLayout } from '../../heads/detection/layout.js';
export { classwiseNms, nms } from '../../heads/detection/nms.js';
export {
  type DetectorBundle,
  evaluateDetector,
  openDetectorBundle,
  runDetector,
  unannotated,
} from './bundle-detector.js';
export { type DetectConfig, type DetectConfigInput, resolveDetectConfig } from './config.js';
export { detectSamples, type FoundBox } from './detect-samples.js';
export { cocoResults, evaluateFound } from './evaluate.js';
export { detectFrames, listFrames, videoToFrames } from './frames.js';
export { type DetectRunResult, trainDetector } from './train.js';
