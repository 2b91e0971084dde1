// Running exported models with onnxruntime-node (CPU). Loaded on first use so that commands
// which never touch ONNX Runtime do not pay for its 45 MB native library; it is an optional peer
// dependency, so the public types here do not name its types (a consumer without it type-checks).
import type { InferenceSession } from 'onnxruntime-node';
import { loadOptional } from '../../util/optional-module.js';
import { createWorkerRunner } from './worker-runner.js';

/** What needs onnxruntime-node, for the message when it is not installed. */
export const ONNX_RUNTIME_FEATURE =
  'Running a model in ONNX Runtime (--engine onnx, the export check)';

export interface OnnxSessionOptions {
  /** Intra-op threads; ONNX Runtime picks (all cores) when unset. */
  threads?: number;
  /** Let idle worker threads spin-wait for the next parallel section (ONNX Runtime's default,
   * true). A server turns it off: between and around its forward passes the same cores decode
   * images and answer HTTP, and spinning threads took them (served throughput halved). */
  spinning?: boolean;
  /** Run the session in a worker thread (onnx/worker-runner.ts), so a forward pass does not
   * block the event loop: a server keeps reading and preparing requests meanwhile. */
  inWorker?: boolean;
}

export interface OnnxRunner {
  inputName: string;
  outputNames: readonly string[];
  /** Runs one float32 batch and returns every output with its shape. */
  run(data: Float32Array, shape: number[]): Promise<{ data: Float32Array; shape: number[] }[]>;
  release(): Promise<void>;
}

const NO_SPINNING = { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } };

/** ONNX Runtime's session options for ours (plain data: a worker thread gets them too). */
function sessionOptionsOf(options: OnnxSessionOptions): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    ...(options.spinning === false ? { extra: { session: NO_SPINNING } } : {}),
  };
}

export async function createOnnxRunner(
  model: Uint8Array | string,
  options: OnnxSessionOptions = {},
): Promise<OnnxRunner> {
  const sessionOptions = sessionOptionsOf(options);
  if (options.inWorker) return createWorkerRunner(model, sessionOptions);
  const ort = await loadOptional<typeof import('onnxruntime-node')>(
    'onnxruntime-node',
    ONNX_RUNTIME_FEATURE,
  );
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  const inputName = session.inputNames[0];
  return {
    inputName,
    outputNames: session.outputNames,
    async run(data, shape) {
      const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };
      const results = await session.run(feeds);
      return session.outputNames.map((name) => {
        const t = results[name];
        const out = { data: t.data as Float32Array, shape: [...t.dims] };
        return out;
      });
    },
    release: () => session.release(),
  };
}
