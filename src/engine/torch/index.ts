// Registers the `torch` backend with tfjs: native kernels where kernels.ts has them, the cpu
// backend's kernels (through copies) for the rest. `VISIONTUNE_DEBUG=kernels` prints the
// fallback counts when the process exits.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { installFusedGradients } from '../fused-ops.js';
import { installGroupedConvGradient } from '../grouped-conv.js';
import { loadTorchAddon } from './addon.js';
import { TorchBackend } from './backend.js';
import { fallbackCounts, registerFallbacks, runOnCpu } from './fallback.js';
import { nativeKernels } from './kernels.js';

export { loadTorchAddon } from './addon.js';
export { fallbackCounts, resetFallbackCounts } from './fallback.js';

export const TORCH_BACKEND = 'torch';

export interface TorchRegistration {
  /** Kernels with a native implementation. */
  native: string[];
  /** Kernels that run on the cpu backend through copies. */
  fallbacks: number;
}

let registered: TorchRegistration | undefined;

/** Registers the backend (once); throws with the reason when the addon cannot load. */
export function registerTorchBackend(): TorchRegistration {
  if (registered) return registered;
  const status = loadTorchAddon();
  if (!status.ok) throw new Error(status.reason);
  const { addon } = status;
  tf.registerBackend(TORCH_BACKEND, () => new TorchBackend(addon), 0);
  const impls = nativeKernels(addon);
  for (const [kernelName, impl] of impls) {
    const cpu = tf.getKernel(kernelName, 'cpu');
    tf.registerKernel({
      kernelName,
      backendName: TORCH_BACKEND,
      kernelFunc: (args) => {
        const out = impl(args, args.backend as TorchBackend, addon);
        if (out) return out;
        if (!cpu) throw new Error(`torch backend: ${kernelName} has no fallback for these inputs`);
        return runOnCpu(cpu, args);
      },
    });
  }
  installFusedGradients();
  installGroupedConvGradient();
  const fallbacks = registerFallbacks(TORCH_BACKEND, new Set(impls.keys()));
  if (/\bkernels\b/.test(process.env.VISIONTUNE_DEBUG ?? '')) {
    process.once('exit', () => {
      const rows = [...fallbackCounts()].sort((a, b) => b[1] - a[1]);
      process.stderr.write(
        `torch fallbacks (kernel: calls): ${rows.map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'}\n`,
      );
    });
  }
  registered = { native: [...impls.keys()].sort(), fallbacks };
  return registered;
}

/**
 * libtorch's intra-op threads when none are asked for: OMP_NUM_THREADS when it names a positive
 * count (as libtorch itself would read it; several processes sharing the cores set it, and two
 * OpenMP pools spinning on the same cores run several times slower), else every core.
 */
export function defaultTorchThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.OMP_NUM_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
}

/** Sets libtorch's intra-op threads (default: defaultTorchThreads()) and returns the number in use. */
export function setTorchThreads(threads = defaultTorchThreads()): number {
  const status = loadTorchAddon();
  if (!status.ok) throw new Error(status.reason);
  return status.addon.threads(threads);
}
