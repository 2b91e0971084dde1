// `visiontune multitask …`: one backbone, several task heads (issue 27). `train` trains them together; `predict` runs every task
// of a multitask bundle from one forward pass; per-task predict and eval are the single-task
// commands with --task NAME.
import type { Command } from 'commander';
import { multitaskPredictSubcommand } from './multitask-predict.js';
import { multitaskTrainSubcommand } from './multitask-train.js';

export function multitaskCommand(program: Command): void {
  const multitask = program
    .command('multitask')
    .description(
      'multi-task learning: one backbone, a head per task, every task from one forward pass',
    );
  multitaskTrainSubcommand(multitask);
  multitaskPredictSubcommand(multitask);
}
