// `visiontune detect train`: an FCOS detector on a registry backbone, fine-tuned or from scratch.
// Flags come from the run configuration's schema; they override a --config JSON file.
import type { Command } from 'commander';
import { detectConfigSchema, resolveDetectConfig } from '../../methods/detection/config.js';
import { trainDetector } from '../../methods/detection/train.js';
import { denseTrainCommand } from './dense-train-command.js';
import { formatDetectionMetrics } from './detect-format.js';

export function detectTrainSubcommand(detect: Command): void {
  denseTrainCommand(detect, {
    description: 'train a detector (FPN + FCOS head) on a pretrained or scratch backbone',
    options: detectConfigSchema,
    what: 'detection training',
    resolve: resolveDetectConfig,
    train: trainDetector,
    progress: { key: 'val_ap50', label: 'val AP50' },
    files: (result) => ({ detections: result.resultsFile }),
    headline: (config, result) =>
      `${config.strategy} detector on ${config.backbone}: ${result.evaluatedOn} metrics`,
    formatMetrics: (result) => formatDetectionMetrics(result.metrics, result.categories),
  });
}
