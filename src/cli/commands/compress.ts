// `visiontune compress ...`: make a bundle smaller or faster (distill, prune, quantize).
import type { Command } from 'commander';
import { distillSubcommand } from './compress-distill.js';
import { pruneSubcommand } from './compress-prune.js';
import { quantizeSubcommand } from './compress-quantize.js';

export function compressCommand(program: Command): void {
  const compress = program
    .command('compress')
    .description('make a bundle smaller or faster: distill, prune, quantize');
  distillSubcommand(compress);
  pruneSubcommand(compress);
  quantizeSubcommand(compress);
}
