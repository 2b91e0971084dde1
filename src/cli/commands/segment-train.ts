// `visiontune segment train`: a U-Net or DeepLabV3+ decoder on a registry backbone, fine-tuned or
// from scratch. Flags come from the run configuration's schema; they override a --config file.
import type { Command } from 'commander';
import { resolveSegmentConfig, segmentConfigSchema } from '../../methods/segmentation/config.js';
import { trainSegmenter } from '../../methods/segmentation/train.js';
import { denseTrainCommand } from './dense-train-command.js';
import { formatSegmentationMetrics } from './segment-format.js';

export function segmentTrainSubcommand(segment: Command): void {
  denseTrainCommand(segment, {
    description:
      'train a segmenter (U-Net or DeepLabV3+ decoder) on a pretrained or scratch backbone',
    options: segmentConfigSchema,
    what: 'segmentation training',
    resolve: resolveSegmentConfig,
    // In training the mode is the evaluation's; eval and predict override the bundle's.
    flags: {
      inference: { description: `evaluation: ${segmentConfigSchema.shape.inference.description}` },
    },
    train: trainSegmenter,
    progress: { key: 'val_miou', label: 'val mIoU' },
    headline: (config, result) =>
      `${config.strategy} ${config.decoder} on ${config.backbone}: ${result.evaluatedOn} metrics`,
    formatMetrics: (result) => formatSegmentationMetrics(result.metrics, result.classes),
  });
}
