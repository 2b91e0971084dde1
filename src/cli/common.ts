// Flags every command shares, and turning them into a started engine and an Output.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, type EngineInfo, initEngine } from '../engine/index.js';
import { Output } from './output.js';

export interface CommonFlags {
  backend?: string;
  threads?: number;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

export function parseInteger(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

export function addCommonFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--backend <name>',
        'TensorFlow.js backend (default: $VISIONTUNE_BACKEND or auto)',
      ).choices([...BACKEND_CHOICES]),
    )
    .option('--threads <n>', 'threads for backends that use them', parseInteger('--threads', 1))
    .option('--seed <n>', 'random seed', parseInteger('--seed', 0), 0)
    .option('--json', 'print the result as JSON only')
    .option('--quiet', 'print only the result');
}

export async function setUp(flags: CommonFlags): Promise<{ out: Output; engine: EngineInfo }> {
  const out = new Output(flags);
  const engine = await initEngine({ backend: flags.backend, threads: flags.threads });
  out.info(`backend: ${engine.backend}`);
  return { out, engine };
}
