// The visiontune command tree, built without running it (main.ts runs it; tests inspect it).
import { Command } from 'commander';
import { version } from '../version.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('visiontune')
    .description(
      'Transfer learning for computer vision: pretrained backbones, fine-tuning, evaluation, bundles.',
    )
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Every command that runs something (the leaves of the tree), with its full name. */
export function leafCommands(command: Command, prefix: string[] = []): [string, Command][] {
  if (command.commands.length === 0) return [[prefix.join(' '), command]];
  return command.commands.flatMap((c) => leafCommands(c, [...prefix, c.name()]));
}
