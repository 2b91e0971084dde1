// Opening a bundle to serve, in the engine asked for. 'auto' prefers ONNX Runtime (faster on
// CPU) where onnxruntime-node is installed, exporting the bundle in memory at start; a bundle
// whose export fails then runs on TF.js, and the reason is reported, not hidden.
import { openBundle, type RunnableBundle } from '../bundle/batch-model.js';
import type { SERVE_ENGINES } from './options.js';

export interface OpenedModel {
  bundle: RunnableBundle;
  engine: 'onnx' | 'tfjs';
  /** Why 'auto' did not pick ONNX Runtime, when it did not. */
  note?: string;
}

async function onnxRuntimeInstalled(): Promise<boolean> {
  try {
    await import('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

export async function openServedModel(
  location: string,
  engine: (typeof SERVE_ENGINES)[number],
  threads?: number,
): Promise<OpenedModel> {
  // The session runs in a worker thread, so the event loop keeps reading and preparing requests
  // during a forward pass; its idle threads do not spin, as the same cores decode and answer HTTP.
  const onnx = { engine: 'onnx', threads, spinning: false, inWorker: true };
  if (engine === 'onnx') return { bundle: await openBundle(location, onnx), engine };
  if (engine === 'tfjs') return { bundle: await openBundle(location, { engine }), engine };
  if (location.endsWith('.onnx'))
    return { bundle: await openBundle(location, onnx), engine: 'onnx' };
  if (!(await onnxRuntimeInstalled()))
    return {
      bundle: await openBundle(location, { engine: 'tfjs' }),
      engine: 'tfjs',
      note: 'onnxruntime-node is not installed',
    };
  try {
    return { bundle: await openBundle(location, onnx), engine: 'onnx' };
  } catch (err) {
    const bundle = await openBundle(location, { engine: 'tfjs' });
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { bundle, engine: 'tfjs', note: `the ONNX export failed: ${reason}` };
  }
}
