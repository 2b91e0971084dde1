// The optimisation flags `detect train` and `segment train` share (their defaults differ).
import { type Command, Option } from 'commander';
import type { Callback } from '../../train/callbacks.js';
import { parseInteger, parseNumber } from '../common.js';
import type { Output } from '../output.js';

export function addOptimizerFlags(command: Command, defaults: { epochs: number; batch: number }) {
  return command
    .option('--epochs <n>', `epochs (default ${defaults.epochs})`, parseInteger('--epochs', 1))
    .option('--batch <n>', `batch size (default ${defaults.batch})`, parseInteger('--batch', 1))
    .option('--lr <x>', 'AdamW learning rate (default 1e-3)', parseNumber('--lr'))
    .option(
      '--backbone-lr-mult <x>',
      'finetune: backbone lr multiple (default 1)',
      parseNumber('--backbone-lr-mult'),
    )
    .option(
      '--weight-decay <x>',
      'AdamW weight decay (default 1e-4)',
      parseNumber('--weight-decay'),
    )
    .addOption(
      new Option('--schedule <kind>', 'lr schedule (default cosine)').choices([
        'cosine',
        'step',
        'onecycle',
        'constant',
      ]),
    )
    .option(
      '--clip-norm <x>',
      'clip gradients to this global norm, 0 = off (default 10)',
      parseNumber('--clip-norm'),
    );
}

/** The config fields of those flags (undefined where not given). */
export function optimizerFields(flags: Record<string, unknown>) {
  const { epochs, batch, lr, backboneLrMult, weightDecay, schedule, clipNorm } = flags;
  return { epochs, batch, lr, backboneLrMult, weightDecay, schedule, clipNorm };
}

/** A line per epoch: the loss, and the validation metric `key` (as `label`) when it was logged. */
export function epochProgress(out: Output, epochs: number, key: string, label: string): Callback {
  return {
    onEpochEnd: (r) => {
      const value = r[key];
      out.info(
        `epoch ${r.epoch}/${epochs}  loss ${Number(r.loss).toFixed(4)}` +
          (typeof value === 'number' ? `  ${label} ${value.toFixed(3)}` : ''),
      );
    },
  };
}
