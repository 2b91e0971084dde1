// Test support: the configuration a command line resolves to through its declared command
// (defaults < --config < typed flags), without running the command.
import { Command } from 'commander';
import { declaredCommand } from './define-command.js';

/**
 * `register` adds a top-level command to a program; `names` is the path to the declared command
 * (e.g. ['compress', 'prune']). Commander's errors throw (nothing is printed, nothing exits).
 */
export async function resolveCommandLine(
  register: (program: Command) => void,
  names: string[],
  argv: string[],
): Promise<Record<string, unknown>> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  let command = program;
  for (const name of names) {
    const next = command.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${names.join(' ')}`);
    command = next;
  }
  const declared = declaredCommand(command);
  if (!declared) throw new Error(`${names.join(' ')} is not a declared command`);
  command.parseOptions(argv);
  return (await declared.resolve(command)) as Record<string, unknown>;
}
