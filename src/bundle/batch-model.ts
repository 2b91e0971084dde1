// What runs a bundle's network in Node: the TF.js model, or its ONNX export in ONNX Runtime.
// Everything that feeds batches (classify, detect, segment, evaluate) goes through predictBatch
// (predict-batch.ts, shared with the browser), so each command can take --engine onnx.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { loadBundle } from './bundle.js';
import type { BundleMeta } from './meta.js';
import { loadOnnxBundle } from './onnx/load.js';
import type { OnnxRunner, OnnxSessionOptions } from './onnx/runtime.js';
import { predictBatch } from './predict-batch.js';

export type BatchModel = tf.LayersModel | OnnxRunner;
export { predictBatch };

export const ENGINES = ['tfjs', 'onnx'] as const;
export type Engine = (typeof ENGINES)[number];

export interface RunnableBundle {
  dir: string;
  meta: BundleMeta;
  model: BatchModel;
}

/** A bundle folder on TF.js, or a bundle folder / exported .onnx file on ONNX Runtime. */
export async function openBundle(
  location: string,
  options: { engine?: string } & OnnxSessionOptions = {},
): Promise<RunnableBundle> {
  const engine = options.engine ?? 'tfjs';
  if (!(ENGINES as readonly string[]).includes(engine))
    throw badUsage(`--engine: expected one of ${ENGINES.join(', ')} (got '${engine}')`);
  if (engine === 'onnx')
    return loadOnnxBundle(location, {
      threads: options.threads,
      spinning: options.spinning,
      inWorker: options.inWorker,
    });
  if (location.endsWith('.onnx')) throw badUsage(`${location} is an ONNX model: add --engine onnx`);
  return loadBundle(location);
}

/** Frees the model: TF.js weights or the ONNX Runtime session. */
export async function closeBundle(bundle: RunnableBundle): Promise<void> {
  if (bundle.model instanceof tf.LayersModel) bundle.model.dispose();
  else await bundle.model.release();
}
