// `visiontune merge DELTA --out DIR`: a delta bundle (only the weights a parameter-efficient run
// trained, on a named base) written as an ordinary standalone bundle — its base's weights filled
// in, LoRA folded into the kernels — for the browser, other tools, or to move without the base.
import type { Command } from 'commander';
import { z } from 'zod';
import { mergeDeltaBundle } from '../../bundle/delta/merge.js';
import { describeBase } from '../../bundle/delta/schema.js';
import { opt } from '../../config/options.js';
import { overwriteField } from '../../config/run-fields.js';
import { defineCommand } from '../define-command.js';

const mergeOptions = z.object({
  out: opt(z.string().min(1), 'the standalone bundle folder to write', { arg: 'dir' }),
  overwrite: overwriteField,
});

export function mergeCommand(program: Command): void {
  defineCommand(program, {
    name: 'merge',
    description: 'write a delta bundle as a standalone bundle (its base filled in, LoRA merged)',
    args: [['<delta>', 'delta bundle folder, or a run folder (its bundle/)']],
    options: mergeOptions,
    what: 'merge',
    async run(options, { out, args }) {
      const delta = args[0] as string;
      const merged = await mergeDeltaBundle(delta, options.out, { overwrite: options.overwrite });
      out.result(
        { delta, out: merged.out, task: merged.meta.task, base: merged.base },
        () => `wrote ${merged.out}: ${delta} merged with its base ${describeBase(merged.base)}`,
      );
    },
  });
}
