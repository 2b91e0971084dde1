// Semantic segmentation metrics: confusion-matrix accumulator with IoU, Dice and accuracies.

export {
  type LabelMap,
  SegmentationAccumulator,
  type SegmentationAccumulatorOptions,
  type SegmentationMetrics,
} from './confusion.js';
