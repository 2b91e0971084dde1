// Flags every command shares, and turning them into a started engine and an Output.
import { promises as fs } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ENGINES } from '../bundle/batch-model.js';
import { BACKEND_CHOICES, type EngineInfo, initEngine } from '../engine/index.js';
import { badInput } from '../errors.js';
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

export function parseNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw badInput(`${flag}: '${value}' is not a number`);
    return n;
  };
}

/** Two positive numbers 'lo,hi', e.g. a random scale range. */
export function parseRange(value: string): [number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 2 || !parts.every((v) => Number.isFinite(v) && v > 0))
    throw new InvalidArgumentError(`expected two positive numbers like 0.5,1.5 (got '${value}')`);
  return [parts[0], parts[1]];
}

/** A --config JSON file; unreadable or invalid JSON is bad input naming the file. */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw badInput(`--config ${file}: ${(err as Error).message}`);
  }
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

/** --engine for commands that run a bundle: TF.js, or its ONNX export in ONNX Runtime. */
export function addEngineFlag(command: Command): Command {
  return command.addOption(
    new Option(
      '--engine <engine>',
      'run the model in TF.js or in ONNX Runtime (then --model may be an exported .onnx)',
    )
      .choices([...ENGINES])
      .default('tfjs'),
  );
}

export async function setUp(flags: CommonFlags): Promise<{ out: Output; engine: EngineInfo }> {
  const out = new Output(flags);
  const engine = await initEngine({ backend: flags.backend, threads: flags.threads });
  out.info(`backend: ${engine.backend}`);
  return { out, engine };
}
