// The one place that chooses and starts a TensorFlow.js backend. Nothing else knows backend names.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import {
  AUTO_ORDER,
  BACKEND_CHOICES,
  type BackendAvailability,
  type BackendChoice,
  type BackendName,
  loadBackendPackage,
  probeBackends,
} from './backends.js';
import { registerFileRouter } from './file-io.js';
import { setTorchThreads } from './torch/index.js';

export type { BackendAvailability, BackendChoice, BackendName };
export { BACKEND_CHOICES, probeBackends };

export interface EngineOptions {
  /** Defaults to $VISIONTUNE_BACKEND, then 'auto'. */
  backend?: string;
  /**
   * Threads for backends that have them: libtorch's intra-op threads for `torch` (default: all
   * cores), wasm workers in browsers (Node's wasm build is single-threaded).
   */
  threads?: number;
}

export interface EngineInfo {
  backend: BackendName;
  /** Why this backend was chosen, in words, for `visiontune doctor`. */
  reason: string;
  threads: number;
  candidates: BackendAvailability[];
}

let current: EngineInfo | undefined;

function parseChoice(value: string, origin: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw badUsage(
    `${origin}: unknown backend '${value}' (choose one of ${BACKEND_CHOICES.join(', ')})`,
  );
}

/** Starts a backend and returns the number of threads it really uses. */
async function start(name: BackendName, requested: number | undefined): Promise<number> {
  const threads = Math.max(1, Math.floor(requested ?? 1));
  await loadBackendPackage(name);
  // Every backend may run cpu kernels (cpu itself, torch's fallbacks): correct those first.
  const { registerCpuKernelFixes, registerWasmTrainingKernels } = await import(
    './wasm-kernels/index.js'
  );
  registerCpuKernelFixes();
  if (name === 'torch') {
    if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialize`);
    return setTorchThreads(requested);
  }
  const wasm = name === 'wasm' ? await import('@tensorflow/tfjs-backend-wasm') : undefined;
  if (wasm && threads > 1) wasm.setThreadsCount(threads);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialize`);
  if (!wasm) return threads;
  registerWasmTrainingKernels();
  return wasm.getThreadsCount();
}

/**
 * Chooses, loads and activates a backend. `auto` prefers native (tfjs-node if the user has it),
 * then wasm, then cpu; an explicitly named backend that cannot start is an error, not a fallback.
 */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const fromEnv = process.env.VISIONTUNE_BACKEND;
  const choice = options.backend
    ? parseChoice(options.backend, '--backend')
    : fromEnv
      ? parseChoice(fromEnv, 'VISIONTUNE_BACKEND')
      : 'auto';
  const threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw badUsage(`threads must be a whole number >= 1, got ${threads}`);
  if (current && (choice === 'auto' || choice === current.backend)) {
    return current;
  }
  // Silences tfjs's console advice to install tfjs-node; `doctor` gives that advice properly.
  tf.env().set('PROD', true);
  registerFileRouter();
  const candidates = probeBackends();
  const origin = options.backend ? '--backend' : fromEnv ? 'VISIONTUNE_BACKEND' : 'default';

  if (choice !== 'auto') {
    const entry = candidates.find((c) => c.name === choice)!;
    if (!entry.available) {
      throw badUsage(
        `backend '${choice}' is not available: ${entry.detail}. Enable it with: ${entry.enable}`,
      );
    }
    const used = await start(choice, threads);
    current = { backend: choice, reason: `requested by ${origin}`, threads: used, candidates };
    return current;
  }

  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const entry = candidates.find((c) => c.name === name)!;
    if (!entry.available) {
      skipped.push(`${name}: ${entry.detail}`);
      continue;
    }
    let used: number;
    try {
      used = await start(name, threads);
    } catch (err) {
      skipped.push(`${name}: failed to start (${(err as Error).message})`);
      continue;
    }
    const reason = skipped.length
      ? `auto: ${name} is the fastest that started (${skipped.join('; ')})`
      : `auto: ${name} is the fastest available`;
    current = { backend: name, reason, threads: used, candidates };
    return current;
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

/**
 * Starts the engine the way the CLI does (auto, or $VISIONTUNE_BACKEND) when nothing has chosen a
 * backend yet. Library entry points call it, so a library user gets the fastest backend without a
 * set-up call; one who called initEngine, or already runs tensors on a backend of their choice
 * (tf.setBackend, or any op), keeps it: switching would strand their tensors on the old one.
 */
export async function ensureEngine(): Promise<void> {
  if (!current && !tf.engine().backendName) await initEngine();
}

/** The engine chosen by the last initEngine call, if any. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}
