// Evaluation metrics: classification (single- and multi-label), COCO-style detection, and
// segmentation (confusion matrix, IoU).

export {
  ClassificationAccumulator,
  type ClassificationAccumulatorOptions,
  type ClassificationMetrics,
  type ClassMetrics,
  classificationMetrics,
  NLL_EPSILON,
  type ProbabilityInput,
  type ReliabilityBin,
} from './classification.js';
export {
  AREA_RANGES,
  type AreaRange,
  type DetectionMetrics,
  type DetectionResult,
  evaluateDetections,
  type GroundTruth,
  IOU_THRESHOLDS,
  MAX_DETECTIONS,
  RECALL_THRESHOLDS,
} from './detection/coco-eval.js';
export { type BBox, boxIou, intersection } from './detection/iou.js';
export { type FormatMetricsOptions, formatMetrics } from './format.js';
export {
  averagePrecision,
  MultiLabelAccumulator,
  type MultiLabelClassMetrics,
  type MultiLabelMetrics,
  type MultiLabelOptions,
  multiLabelMetrics,
} from './multilabel.js';
export * from './segmentation/index.js';
