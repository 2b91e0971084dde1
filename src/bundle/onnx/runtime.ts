// Running exported models with onnxruntime-node (CPU). Loaded on first use so that commands
// which never touch ONNX Runtime do not pay for its 45 MB native library; it is an optional peer
// dependency, so the public types here do not name its types (a consumer without it type-checks).
import type { InferenceSession } from 'onnxruntime-node';
import { loadOptional } from '../../util/optional-module.js';

export interface OnnxSessionOptions {
  /** Intra-op threads; ONNX Runtime picks (all cores) when unset. */
  threads?: number;
}

export interface OnnxRunner {
  inputName: string;
  outputNames: readonly string[];
  /** Runs one float32 batch and returns every output with its shape. */
  run(data: Float32Array, shape: number[]): Promise<{ data: Float32Array; shape: number[] }[]>;
  release(): Promise<void>;
}

export async function createOnnxRunner(
  model: Uint8Array | string,
  options: OnnxSessionOptions = {},
): Promise<OnnxRunner> {
  const ort = await loadOptional<typeof import('onnxruntime-node')>(
    'onnxruntime-node',
    'Running a model in ONNX Runtime (--engine onnx, the export check)',
  );
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  };
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
