// The flags `compress distill` and `compress prune` share (data, budget, optimizer, outputs), and
// the per-epoch progress line both print.
import { type Command, Option } from 'commander';
import type { Callback } from '../../train/callbacks.js';
import { parseInteger, parseNumber } from '../common.js';

export interface FineTuneFlags {
  data?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  weightDecay?: number;
  clipNorm?: number;
  augment?: string;
  val?: number;
  labelsPerClass?: number;
  testPerClass?: number;
  out?: string;
  config?: string;
  resume?: boolean;
  skipBad?: boolean;
}

export function addFineTuneFlags(
  command: Command,
  defaults: { lr: string; epochs: number; out: string },
): Command {
  return command
    .option('--data <source>', 'labelled images: image folder, manifest, or mnist / fashion-mnist')
    .option('--epochs <n>', `epochs (default ${defaults.epochs})`, parseInteger('--epochs', 1))
    .option('--batch <n>', 'labelled images per step (default 32)', parseInteger('--batch', 1))
    .option(
      '--lr <x>',
      `AdamW peak lr, cosine schedule (default ${defaults.lr})`,
      parseNumber('--lr'),
    )
    .option('--weight-decay <x>', 'weight decay (default 1e-4)', parseNumber('--weight-decay'))
    .option('--clip-norm <x>', 'clip gradients to this global norm', parseNumber('--clip-norm'))
    .addOption(
      new Option('--augment <kind>', 'training augmentation (default light)').choices([
        'none',
        'light',
        'standard',
      ]),
    )
    .option('--val <fraction>', 'validation fraction (default 0.2)', parseNumber('--val'))
    .option(
      '--labels-per-class <k>',
      'use K labelled training images per class',
      parseInteger('--labels-per-class', 1),
    )
    .option(
      '--test-per-class <n>',
      'evaluate on at most N test images per class',
      parseInteger('--test-per-class', 1),
    )
    .option('--out <dir>', `output folder (default ${defaults.out})`)
    .option('--config <file>', 'JSON run configuration; flags override it')
    .option('--resume', 'continue from the last complete checkpoint in --out')
    .option('--skip-bad', 'skip bad images (counted and named) instead of failing');
}

/** The flags as a configuration layer (undefined leaves the config file's value alone). */
export function fineTuneLayer(flags: FineTuneFlags & { seed?: number }): Record<string, unknown> {
  return {
    data: flags.data,
    epochs: flags.epochs,
    batch: flags.batch,
    lr: flags.lr,
    weightDecay: flags.weightDecay,
    clipNorm: flags.clipNorm,
    augment: flags.augment,
    val: flags.val,
    labelsPerClass: flags.labelsPerClass,
    testPerClass: flags.testPerClass,
    out: flags.out,
    resume: flags.resume,
    skipBad: flags.skipBad,
    seed: flags.seed,
  };
}

export const percent = (v: number | undefined) =>
  v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;

export function epochLine(epochs: number, info: (line: string) => void): Callback {
  return {
    onEpochEnd: (r) =>
      info(
        `epoch ${r.epoch}/${epochs}  loss ${Number(r.loss).toFixed(4)}` +
          (typeof r.val_accuracy === 'number' ? `  val ${percent(r.val_accuracy)}` : ''),
      ),
  };
}
