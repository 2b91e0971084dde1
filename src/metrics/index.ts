// Evaluation metrics. Classification for now; detection mAP, segmentation IoU and tracking
// metrics will sit beside it.

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
export { type FormatMetricsOptions, formatMetrics } from './format.js';
