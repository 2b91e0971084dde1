// A bundle by URL in the browser: visiontune.json fetched and validated with the same schema as
// in Node (bundle/parse-meta.ts), the TF.js model loaded with tf.loadLayersModel once every
// custom layer class is registered (bundle/custom-layers.ts, the list Node loads with too).
import '../bundle/custom-layers.js';
import * as tf from '@tensorflow/tfjs';
import { describeBase } from '../bundle/delta/schema.js';
import { type BundleMeta, META_FILE } from '../bundle/meta.js';
import { checkModelMatchesMeta, parseBundleMeta } from '../bundle/parse-meta.js';
import type { BatchModel, BatchRunner } from '../bundle/predict-batch.js';
import { badInput, badUsage } from '../errors.js';

export interface WebBundle {
  /** The bundle folder's URL (ends with '/'), or what the caller named it. */
  url: string;
  meta: BundleMeta;
  /** A TF.js model, or an ONNX Runtime Web session wrapped by onnxRunner. */
  model: BatchModel;
}

/** `url` with one trailing slash, resolved against the page. */
function folderUrl(url: string): string {
  const base = typeof location !== 'undefined' ? location.href : undefined;
  const resolved = new URL(url, base).href;
  return resolved.endsWith('/') ? resolved : `${resolved}/`;
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw badInput(`${url}: HTTP ${response.status} ${response.statusText}`);
  try {
    return await response.json();
  } catch (err) {
    throw badInput(`${url}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The bundle folder at `url` (visiontune.json + model.json + weights, as `train` writes it). */
export async function loadBundle(url: string): Promise<WebBundle> {
  const folder = folderUrl(url);
  const metaUrl = `${folder}${META_FILE}`;
  const meta = parseBundleMeta(await fetchJson(metaUrl), metaUrl);
  // A delta holds only what its run trained; its base is built in Node (bundle/delta).
  if (meta.delta)
    throw badUsage(
      `${folder} is a delta bundle on ${describeBase(meta.delta.base)}: the browser loads standalone bundles; write one with \`visiontune merge\``,
    );
  const model = await tf.loadLayersModel(`${folder}model.json`);
  checkModelMatchesMeta(model, meta, folder);
  return { url: folder, meta, model };
}

/** Minimal shape of an onnxruntime-web module and session (the page brings its own ORT). */
export interface OrtLike {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}
export interface OrtSessionLike {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(
    feeds: Record<string, unknown>,
  ): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}

/** An ONNX Runtime Web session of a bundle's export (`visiontune export`) as a bundle's model. */
export function onnxRunner(ort: OrtLike, session: OrtSessionLike): BatchRunner {
  const [inputName] = session.inputNames;
  if (inputName === undefined) throw badUsage('the ONNX session has no input');
  return {
    async run(data, shape) {
      const results = await session.run({ [inputName]: new ort.Tensor('float32', data, shape) });
      return session.outputNames.map((name) => ({
        data: results[name]!.data as Float32Array,
        shape: [...results[name]!.dims],
      }));
    },
  };
}

/** Refuses a bundle of another task, naming it. */
export function requireTask(bundle: WebBundle, task: BundleMeta['task']): void {
  if (bundle.meta.task !== task)
    throw badUsage(`${bundle.url} is a ${bundle.meta.task} bundle, not a ${task} bundle`);
}
