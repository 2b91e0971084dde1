// Kernels the torch backend has no native version of run on the cpu backend: inputs are copied
// out of libtorch, the cpu kernel runs, outputs are copied back. Slow but complete, and counted,
// so `VISIONTUNE_DEBUG=kernels` shows which kernels deserve a native version next.
import * as tf from '@tensorflow/tfjs';
import type { TorchBackend } from './backend.js';

const counts = new Map<string, number>();

/** Fallback calls per kernel name since the process started (or the last reset). */
export function fallbackCounts(): Map<string, number> {
  return new Map(counts);
}

export function resetFallbackCounts(): void {
  counts.clear();
}

function cpuBackend(): tf.KernelBackend {
  const cpu = tf.engine().findBackend('cpu');
  if (!cpu) throw new Error('torch backend: the cpu backend (needed for fallbacks) is missing');
  return cpu;
}

export function runOnCpu(config: tf.KernelConfig, args: Parameters<tf.KernelFunc>[0]) {
  const torch = args.backend as TorchBackend;
  const cpu = cpuBackend();
  counts.set(config.kernelName, (counts.get(config.kernelName) ?? 0) + 1);
  const made: tf.DataId[] = [];
  const copy = (t: tf.TensorInfo): tf.TensorInfo => {
    const dataId = cpu.write(torch.readSync(t.dataId), t.shape, t.dtype);
    made.push(dataId);
    return { dataId, shape: t.shape, dtype: t.dtype };
  };
  // Most kernels take named inputs; Concat, AddN and friends take an array.
  const inputs = Array.isArray(args.inputs)
    ? (args.inputs as tf.TensorInfo[]).map(copy)
    : Object.fromEntries(
        Object.entries(args.inputs).flatMap(([name, t]) => (t ? [[name, copy(t)]] : [])),
      );
  const result = config.kernelFunc({
    inputs: inputs as tf.NamedTensorInfoMap,
    attrs: args.attrs,
    backend: cpu,
  });
  const outs = Array.isArray(result) ? result : [result];
  // Read every output before freeing anything: a cpu kernel may return an input's dataId.
  const values = outs.map((o) => cpu.readSync(o.dataId));
  for (const o of outs) made.push(o.dataId);
  for (const dataId of new Set(made)) cpu.disposeData(dataId, true);
  const back = outs.map((o, i) => torch.makeOutput(values[i], o.shape, o.dtype));
  return Array.isArray(result) ? back : back[0];
}

/** Registers a cpu-backed torch kernel for every cpu kernel not in `native`. */
export function registerFallbacks(backendName: string, native: ReadonlySet<string>): number {
  let n = 0;
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (native.has(config.kernelName)) continue;
    if (tf.getKernel(config.kernelName, backendName)) continue;
    tf.registerKernel({
      kernelName: config.kernelName,
      backendName,
      kernelFunc: (args) => runOnCpu(config, args),
    });
    n++;
  }
  return n;
}
