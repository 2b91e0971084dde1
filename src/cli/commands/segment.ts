// `visiontune segment train|eval|predict`: semantic segmentation for the user's own classes.
import type { Command } from 'commander';
import { segmentEvalSubcommand } from './segment-eval.js';
import { segmentPredictSubcommand } from './segment-predict.js';
import { segmentTrainSubcommand } from './segment-train.js';

export function segmentCommand(program: Command): void {
  const segment = program
    .command('segment')
    .description('semantic segmentation: train a segmenter on image/mask pairs, evaluate, predict');
  segmentTrainSubcommand(segment);
  segmentEvalSubcommand(segment);
  segmentPredictSubcommand(segment);
}
