// Inference flags shared by segment eval / predict: override how the bundle segments images.
import { type Command, Option } from 'commander';
import type { InferenceOptions } from '../../methods/segmentation/bundle-segmenter.js';
import type { InferenceMode } from '../../methods/segmentation/segment-image.js';
import { parseInteger, parseNumber } from '../common.js';

export interface InferenceFlags {
  inference?: InferenceMode;
  overlap?: number;
  batch: number;
}

export function addInferenceFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--inference <mode>',
        "resize into the input, slide windows at the image's size, or auto (slide over images > 2x the input); default: the bundle's",
      ).choices(['auto', 'resize', 'slide']),
    )
    .option(
      '--overlap <fraction>',
      'sliding-window overlap (default 1/3)',
      parseNumber('--overlap'),
    )
    .option('--batch <n>', 'windows per forward pass', parseInteger('--batch', 1), 8);
}

export function inferenceOptions(flags: InferenceFlags): InferenceOptions {
  return { mode: flags.inference, overlap: flags.overlap, batch: flags.batch };
}
