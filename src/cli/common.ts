// What every command shares: the runtime options (engine backend, threads, frozen-pass engine,
// output mode), a --config file, and turning them into a started engine and an Output.
import { z } from 'zod';
import { opt } from '../config/options.js';
import { ENGINE_CHOICES, setFrozenEngine } from '../engine/frozen-engine.js';
import { BACKEND_CHOICES, type EngineInfo, initEngine } from '../engine/index.js';
import { badInput } from '../errors.js';
import {
  type InputPolicyOptions,
  inputPolicySchema,
  readJsonDocument,
  setInputPolicy,
} from '../guard/index.js';
import { setZooSettings } from '../zoo/settings.js';
import { Output } from './output.js';

/** How a command runs and talks, not what it computes: never part of a saved configuration. */
export const runtimeOptionsSchema = z.object({
  backend: opt(
    z.enum(BACKEND_CHOICES).optional(),
    'TensorFlow.js backend (default: $VISIONTUNE_BACKEND or auto)',
  ),
  threads: opt(z.number().int().min(1).optional(), 'threads for backends that use them'),
  engine: opt(
    z.enum(ENGINE_CHOICES).default('auto'),
    'engine for frozen forward passes (embeddings, frozen layers, predict/eval): ONNX Runtime on an in-memory export, or TF.js; auto: ONNX Runtime where onnxruntime-node is installed and the model exports (then --model may be an exported .onnx)',
  ),
  json: opt(z.boolean().default(false), 'print the result as JSON only'),
  quiet: opt(z.boolean().default(false), 'print only the result'),
  offline: opt(
    z.boolean().default(false),
    'never download weights: a file missing from the cache is an error naming it (also $VISIONTUNE_OFFLINE=1)',
  ),
  events: opt(
    z.string().min(1).optional(),
    'append progress as JSON lines to this file: log, batch, epoch, then result or error',
    { arg: 'file' },
  ),
  ...inputPolicySchema.shape,
});
export type RuntimeOptions = z.output<typeof runtimeOptionsSchema>;

/** Only the output mode and the input policy, for commands that start no engine. */
export const outputOptionsSchema = runtimeOptionsSchema.omit({
  backend: true,
  threads: true,
  engine: true,
});

/** Puts the command line's input policy (--allow-outside-root, --max-pixels, …) in force. */
export function applyInputPolicy(options: InputPolicyOptions): void {
  const fields = Object.keys(inputPolicySchema.shape) as (keyof InputPolicyOptions)[];
  setInputPolicy(Object.fromEntries(fields.map((f) => [f, options[f]])));
}

/** Puts --offline in force (off leaves $VISIONTUNE_OFFLINE's say) and shows downloads on `out`. */
export function applyZooSettings(options: { offline?: boolean }, out: Output): void {
  setZooSettings({
    offline: options.offline ? true : undefined,
    progress: (label) => out.download(label),
  });
}

/** A --config JSON file; unreadable or invalid JSON is bad input naming the file. */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  const parsed = await readJsonDocument(file, `--config ${file}`);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badInput(`--config ${file}: expected a JSON object of configuration fields`);
  return parsed as Record<string, unknown>;
}

export async function setUp(
  options: Partial<RuntimeOptions>,
): Promise<{ out: Output; engine: EngineInfo }> {
  const out = new Output(options);
  const engine = await initEngine({ backend: options.backend, threads: options.threads });
  out.info(`backend: ${engine.backend}`);
  // ONNX Runtime gets the threads asked for, else as many as the TF.js engine uses.
  setFrozenEngine({
    engine: options.engine ?? 'auto',
    threads: options.threads ?? engine.threads,
    log: (line) => out.info(line),
  });
  return { out, engine };
}
