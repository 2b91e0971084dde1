// `visiontune detect train|eval|predict`: object detectors for the user's own classes.
import type { Command } from 'commander';
import { detectEvalSubcommand } from './detect-eval.js';
import { detectPredictSubcommand } from './detect-predict.js';
import { detectTrainSubcommand } from './detect-train.js';

export function detectCommand(program: Command): void {
  const detect = program
    .command('detect')
    .description('object detection: train a detector on COCO/YOLO/VOC boxes, evaluate, predict');
  detectTrainSubcommand(detect);
  detectEvalSubcommand(detect);
  detectPredictSubcommand(detect);
}
