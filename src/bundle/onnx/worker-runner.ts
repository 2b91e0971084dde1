// An ONNX Runtime session in a worker thread. onnxruntime-node's run() holds the calling thread
// for the whole forward pass; in a worker, the main thread stays free (a server keeps accepting
// and preparing requests while a batch runs). The worker is a few lines of plain JavaScript given
// as source, so it loads the same way from the TypeScript sources and from a compiled package.
import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { optionalPackageDir } from '../../util/optional-module.js';
import { ONNX_RUNTIME_FEATURE, type OnnxRunner } from './runtime.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
ort.InferenceSession.create(workerData.model, workerData.options).then((session) => {
  parentPort.postMessage({ ready: { inputName: session.inputNames[0], outputNames: session.outputNames } });
  parentPort.on('message', async (m) => {
    if (m.release) {
      await session.release();
      parentPort.postMessage({ released: true });
      return;
    }
    try {
      const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', m.data, m.shape) });
      // Copies: ONNX Runtime may own the output buffers; the copies' buffers move, uncopied.
      const outs = session.outputNames.map((n) => ({ data: Float32Array.from(results[n].data), shape: [...results[n].dims] }));
      parentPort.postMessage({ id: m.id, outs }, outs.map((o) => o.data.buffer));
    } catch (err) {
      parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
    }
  });
}, (err) => parentPort.postMessage({ failed: String((err && err.message) || err) }));
`;

type Output = { data: Float32Array; shape: number[] };

export async function createWorkerRunner(
  model: Uint8Array | string,
  options: InferenceSession.SessionOptions,
): Promise<OnnxRunner> {
  const ort = optionalPackageDir('onnxruntime-node', ONNX_RUNTIME_FEATURE);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ort, model, options } });
  const pending = new Map<number, { resolve(o: Output[]): void; reject(e: Error): void }>();
  let nextId = 0;
  let released: (() => void) | undefined;
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const ready = await new Promise<{ inputName: string; outputNames: string[] }>(
    (resolve, reject) => {
      worker.on('message', (m) => {
        if (m.ready) resolve(m.ready);
        else if (m.failed) reject(new Error(m.failed));
        else if (m.released) released?.();
        else {
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (m.error) p?.reject(new Error(m.error));
          else p?.resolve(m.outs);
        }
      });
      worker.on('error', (err) => {
        reject(err);
        failAll(err);
      });
      worker.on('exit', () => failAll(new Error('the ONNX Runtime worker stopped')));
    },
  );
  return {
    inputName: ready.inputName,
    outputNames: ready.outputNames,
    run(data, shape) {
      const id = nextId++;
      return new Promise<Output[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Copied, not moved: the caller's array may be a tensor's own storage.
        worker.postMessage({ id, data, shape });
      });
    },
    async release() {
      await new Promise<void>((resolve) => {
        released = resolve;
        worker.postMessage({ release: true });
      });
      await worker.terminate();
    },
  };
}
