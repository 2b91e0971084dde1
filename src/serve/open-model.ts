// Opening a bundle to serve, in the engine asked for. 'auto' prefers ONNX Runtime (faster on
// CPU) where onnxruntime-node is installed, exporting the bundle in memory at start; a bundle
// whose export fails then runs on TF.js, and the reason is reported, not hidden. A delta bundle
// runs on TF.js under 'auto': there it shares its base's weights with the server's other deltas
// on that base (bundle/delta), where each ONNX Runtime session would hold a copy.
import { openBundle, type RunnableBundle } from '../bundle/batch-model.js';
import { readBundleMeta } from '../bundle/bundle.js';
import type { DeltaBases } from '../bundle/delta/base.js';
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

/** Whether `location` is a delta bundle folder (anything else, or unreadable: no). */
const isDelta = (location: string) =>
  readBundleMeta(location).then(
    (meta) => meta.delta !== undefined,
    () => false,
  );

export async function openServedModel(
  location: string,
  engine: (typeof SERVE_ENGINES)[number],
  threads?: number,
  bases?: DeltaBases,
): Promise<OpenedModel> {
  // The session runs in a worker thread, so the event loop keeps reading and preparing requests
  // during a forward pass; its idle threads do not spin, as the same cores decode and answer HTTP.
  const onnx = { engine: 'onnx', threads, spinning: false, inWorker: true };
  // Only TF.js models share a base; an ONNX session holds its own copy, so the base is not kept.
  const tfjs = { engine: 'tfjs', bases };
  if (engine === 'onnx') return { bundle: await openBundle(location, onnx), engine };
  if (engine === 'tfjs') return { bundle: await openBundle(location, tfjs), engine };
  if (location.endsWith('.onnx'))
    return { bundle: await openBundle(location, onnx), engine: 'onnx' };
  if (await isDelta(location))
    return {
      bundle: await openBundle(location, tfjs),
      engine: 'tfjs',
      note: "a delta bundle: TF.js shares its base's weights with the other deltas on that base",
    };
  if (!(await onnxRuntimeInstalled()))
    return {
      bundle: await openBundle(location, tfjs),
      engine: 'tfjs',
      note: 'onnxruntime-node is not installed',
    };
  try {
    return { bundle: await openBundle(location, onnx), engine: 'onnx' };
  } catch (err) {
    const bundle = await openBundle(location, tfjs);
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { bundle, engine: 'tfjs', note: `the ONNX export failed: ${reason}` };
  }
}
