// What runs a bundle's network in Node: the TF.js model, or its ONNX export in ONNX Runtime.
// Everything that feeds batches (classify, detect, segment, evaluate) goes through predictBatch
// (predict-batch.ts, shared with the browser), so each command takes --engine. A bundle's pass is
// frozen, so 'auto' (the default) decides as frozen passes do (onnx/frozen-forward.ts).
import * as tf from '@tensorflow/tfjs';
import { ENGINE_CHOICES, frozenEngine } from '../engine/frozen-engine.js';
import { badUsage } from '../errors.js';
import { type LoadBundleOptions, loadBundle } from './bundle.js';
import type { BundleMeta } from './meta.js';
import { taskView } from './multitask/task-view.js';
import { fallbackReason } from './onnx/frozen-forward.js';
import { loadOnnxBundle } from './onnx/load.js';
import type { OnnxRunner, OnnxSessionOptions } from './onnx/runtime.js';
import { predictBatch } from './predict-batch.js';

export type BatchModel = tf.LayersModel | OnnxRunner;
export { predictBatch };

/** The engines a bundle can run on ('auto' picks one of these). */
export const ENGINES = ['tfjs', 'onnx'] as const;
export type Engine = (typeof ENGINES)[number];

export interface RunnableBundle {
  dir: string;
  meta: BundleMeta;
  model: BatchModel;
  /** The engine it runs on (absent: TF.js, a loaded bundle's model). */
  engine?: Engine;
  /** Why 'auto' did not pick ONNX Runtime, when it did not. */
  note?: string;
  /** A task view of a multi-task bundle (multitask/task-view.ts): the task's name, and the whole
   * model its `model` reads one output of (what closing the view frees). */
  task?: string;
  owner?: BatchModel;
}

export interface OpenBundleOptions extends OnnxSessionOptions, LoadBundleOptions {
  engine?: string;
  /** A multi-task bundle's task to open as a single-task bundle (--task); refused elsewhere. */
  task?: string;
}

/**
 * A bundle folder on TF.js, or a bundle folder / exported .onnx file on ONNX Runtime; 'auto'
 * (default: the process-wide frozen-pass setting) prefers ONNX Runtime, falling back to TF.js
 * with the reason logged when onnxruntime-node is missing or the bundle does not export.
 * With `task`, that task's view of a multi-task bundle (multitask/task-view.ts).
 */
export async function openBundle(
  location: string,
  options: OpenBundleOptions = {},
): Promise<RunnableBundle> {
  const bundle = await openWhole(location, options);
  if (options.task === undefined) return bundle;
  try {
    return taskView(bundle, options.task);
  } catch (err) {
    await closeBundle(bundle);
    throw err;
  }
}

async function openWhole(location: string, options: OpenBundleOptions): Promise<RunnableBundle> {
  const { bases } = options;
  const engine = options.engine ?? frozenEngine().engine;
  if (!(ENGINE_CHOICES as readonly string[]).includes(engine))
    throw badUsage(`--engine: expected one of ${ENGINE_CHOICES.join(', ')} (got '${engine}')`);
  const onnx = async (): Promise<RunnableBundle> => ({
    ...(await loadOnnxBundle(location, {
      threads: options.threads ?? frozenEngine().threads,
      spinning: options.spinning,
      inWorker: options.inWorker,
      bases,
    })),
    engine: 'onnx',
  });
  if (engine === 'onnx' || (engine === 'auto' && location.endsWith('.onnx'))) return onnx();
  if (location.endsWith('.onnx'))
    throw badUsage(`${location} is an ONNX model: add --engine onnx (or auto)`);
  if (engine === 'auto') {
    const reason = await fallbackReason(() => onnx());
    if (typeof reason !== 'string') return reason;
    frozenEngine().log(`${location} runs on TF.js: ${reason}`);
    return { ...(await loadBundle(location, { bases })), engine: 'tfjs', note: reason };
  }
  return { ...(await loadBundle(location, { bases })), engine: 'tfjs' };
}

/** Frees the model: TF.js weights or the ONNX Runtime session. */
export async function closeBundle(bundle: RunnableBundle): Promise<void> {
  const model = bundle.owner ?? bundle.model;
  if (model instanceof tf.LayersModel) model.dispose();
  else await model.release();
}
