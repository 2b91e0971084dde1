// Frozen forward passes on the fastest engine there is: a TF.js layers model (or its prefix up to
// a layer) is exported to ONNX in memory and run in onnxruntime-node, which infers several times
// faster on CPU than any TF.js backend (bench/onnx/throughput.ts). Where ONNX Runtime is not
// installed, or the export refuses a layer, the pass runs on TF.js and the reason is said once.
// Sessions are cached per model, cut and threads: repeated calls do not export again, unless a
// weight of the model was written since (the export holds a copy of the weights).
import * as tf from '@tensorflow/tfjs';
import { type EngineChoice, frozenEngine } from '../../engine/frozen-engine.js';
import { badUsage } from '../../errors.js';
import { layersModelToOnnx } from './export-model.js';
import { createOnnxRunner, type OnnxRunner } from './runtime.js';

export interface FrozenForwardOptions {
  /** Run the model only up to this layer's output (the frozen prefix); default: the model. */
  cut?: string;
  /** Default: the process-wide setting (engine/frozen-engine.ts). */
  engine?: EngineChoice;
  /** ONNX Runtime threads; default: the process-wide setting. */
  threads?: number;
}

export interface FrozenForward {
  /** The engine this model's passes run on. */
  engine: 'onnx' | 'tfjs';
  /** Why the pass runs on TF.js when ONNX Runtime was allowed. */
  note?: string;
  /** The model's (first) output for an input batch, in inference mode; the caller disposes it. */
  run(x: tf.Tensor): Promise<tf.Tensor>;
  /** Frees the ONNX Runtime session (the TF.js model is the caller's). */
  release(): Promise<void>;
}

/** The model up to `cut`'s output, sharing its layers (and weights). */
export function prefixModel(model: tf.LayersModel, cut: string | undefined): tf.LayersModel {
  if (cut === undefined) return model;
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(cut);
  } catch {
    throw badUsage(`frozen prefix: the model has no layer '${cut}'`);
  }
  return tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
}

function tfjsForward(model: tf.LayersModel, note?: string): FrozenForward {
  return {
    engine: 'tfjs',
    note,
    run: async (x) => tf.tidy(() => [model.predict(x)].flat()[0] as tf.Tensor),
    release: async () => {},
  };
}

function onnxForward(runner: OnnxRunner): FrozenForward {
  return {
    engine: 'onnx',
    async run(x) {
      const data = (await x.data()) as Float32Array;
      const [out] = await runner.run(data, x.shape);
      return tf.tensor(out.data, out.shape);
    },
    release: () => runner.release(),
  };
}

let runtimeInstalled: Promise<boolean> | undefined;
let saidMissing = false;

const NOT_INSTALLED = 'onnxruntime-node is not installed';

function onnxRuntimeInstalled(): Promise<boolean> {
  runtimeInstalled ??= import('onnxruntime-node').then(
    () => true,
    () => false,
  );
  return runtimeInstalled;
}

const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0];

/**
 * What 'auto' opens: `openOnnx()`'s result, or why ONNX Runtime cannot run it (not installed; the
 * export refused a layer, or the session refused the graph), in words.
 */
export async function fallbackReason<T extends object>(
  openOnnx: () => Promise<T>,
): Promise<T | string> {
  if (!(await onnxRuntimeInstalled())) return NOT_INSTALLED;
  try {
    return await openOnnx();
  } catch (err) {
    return `the ONNX export failed: ${firstLine(err)}`;
  }
}

async function open(
  model: tf.LayersModel,
  cut: string | undefined,
  engine: EngineChoice,
  threads: number | undefined,
): Promise<FrozenForward> {
  const prefix = prefixModel(model, cut);
  if (engine === 'tfjs') return tfjsForward(prefix);
  const openOnnx = async () => {
    const graphName = `${model.name}${cut ? `:${cut}` : ''}`;
    const bytes = layersModelToOnnx(prefix, { graphName });
    return onnxForward(await createOnnxRunner(bytes, { threads }));
  };
  if (engine === 'onnx') return openOnnx();
  const opened = await fallbackReason(openOnnx);
  if (typeof opened !== 'string') return opened;
  // Not installed is said once per process (every model falls back for it); an export's refusal
  // once per model and cut (the cache opens each once).
  if (opened !== NOT_INSTALLED || !saidMissing)
    frozenEngine().log(`frozen forward passes of ${model.name} run on TF.js: ${opened}`);
  if (opened === NOT_INSTALLED) saidMissing = true;
  return tfjsForward(prefix, opened);
}

interface Opened {
  sessions: Map<string, Promise<FrozenForward>>;
  /** The weights' storage when the sessions were opened: a write gives a variable new storage. */
  storage: unknown[];
}

const CACHE = new WeakMap<tf.LayersModel, Opened>();

/** Identity of each weight's current storage (tf.Variable.assign swaps it): cheap to compare. */
const storageOf = (model: tf.LayersModel) =>
  model.weights.map((w) => (w as unknown as { val: { dataId: unknown } }).val.dataId);

/**
 * The frozen forward pass of `model` (up to `options.cut`), opened once per model, cut, engine
 * and threads, and again after any of the model's weights was written. Weights changed while a
 * pass runs are not seen by it (the export holds a copy).
 */
export function frozenForward(
  model: tf.LayersModel,
  options: FrozenForwardOptions = {},
): Promise<FrozenForward> {
  const engine = options.engine ?? frozenEngine().engine;
  const threads = options.threads ?? frozenEngine().threads;
  const key = JSON.stringify([options.cut ?? null, engine, threads ?? null]);
  const storage = storageOf(model);
  let cached = CACHE.get(model);
  if (cached?.storage.some((s, i) => s !== storage[i])) {
    void releaseFrozenForward(model);
    cached = undefined;
  }
  if (!cached) {
    cached = { sessions: new Map(), storage };
    CACHE.set(model, cached);
  }
  const { sessions } = cached;
  let opened = sessions.get(key);
  if (!opened) {
    opened = open(model, options.cut, engine, threads);
    sessions.set(key, opened);
    // A failed open is not cached: the next call tries again (and fails the same way, loudly).
    opened.catch(() => sessions.delete(key));
  }
  return opened;
}

/** Frees every session opened for `model` (its weights changed, or it is done with). */
export async function releaseFrozenForward(model: tf.LayersModel): Promise<void> {
  const cached = CACHE.get(model);
  if (!cached) return;
  CACHE.delete(model);
  await Promise.all(
    [...cached.sessions.values()].map((p) => p.then((f) => f.release()).catch(() => {})),
  );
}
