// A trained model on disk: a folder with the TF.js model (model.json + weights) and
// visiontune.json. Finding and loading it here; saving in save.ts.
// Every custom layer class a bundle can hold, registered before any model is deserialized.
import './custom-layers.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ensureEngine } from '../engine/index.js';
import { loadModelFile } from '../engine/load-model.js';
import { badInput } from '../errors.js';
import { readJsonDocument } from '../guard/read-input.js';
import { readableDir } from '../guard/replace-dir.js';
import type { DeltaBases } from './delta/base.js';
import { loadDeltaModel } from './delta/load-delta.js';
import { type BundleMeta, META_FILE } from './meta.js';
import { checkModelMatchesMeta, parseBundleMeta } from './parse-meta.js';

export { DeltaBases } from './delta/base.js';
export type { DeltaSaveOptions } from './delta/save-delta.js';
export type { DeltaBaseSpec, DeltaMeta } from './delta/schema.js';
export { type NewBundleMeta, type SaveBundleOptions, saveBundle } from './save.js';

export interface LoadedBundle {
  dir: string;
  model: tf.LayersModel;
  meta: BundleMeta;
}

const isFile = (file: string) =>
  fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * The bundle folder `location` names: the folder itself, or, for a run's output folder (the
 * `out` of train, adapt, detect train, …), the `bundle/` inside it. Unchanged when neither
 * holds a bundle, so the caller's error names what the user gave.
 */
export async function locateBundle(location: string): Promise<string> {
  // A save killed between its two renames leaves the bundle in a complete hidden sibling.
  const here = await readableDir(location);
  if (await isFile(path.join(here, META_FILE))) return here;
  const inRun = await readableDir(path.join(location, 'bundle'));
  return (await isFile(path.join(inRun, META_FILE))) ? inRun : location;
}

/** Reads and validates visiontune.json without loading the model (`location`: see locateBundle). */
export async function readBundleMeta(location: string): Promise<BundleMeta> {
  const dir = await locateBundle(location);
  const file = path.join(dir, META_FILE);
  if (!(await fs.lstat(file).catch(() => undefined)))
    throw badInput(
      `${dir} is not a visiontune bundle: ${META_FILE} is missing (there and in ${path.join(dir, 'bundle')})`,
    );
  return parseBundleMeta(await readJsonDocument(file), file);
}

export interface LoadBundleOptions {
  /** Where a delta bundle finds its base: pass one instance to every load whose deltas should
   * share their base's weights (serve); default: the base is built for this load alone. */
  bases?: DeltaBases;
}

/**
 * The bundle in `location` (a bundle folder or a run's output folder) with its model loaded. A
 * delta bundle comes back as any other: its base built, checked and filled in (bundle/delta).
 */
export async function loadBundle(
  location: string,
  options: LoadBundleOptions = {},
): Promise<LoadedBundle> {
  await ensureEngine();
  const dir = await locateBundle(location);
  const meta = await readBundleMeta(dir);
  const model = meta.delta
    ? await loadDeltaModel(dir, meta.delta, options.bases)
    : await loadModelFile(dir);
  checkModelMatchesMeta(model, meta, dir);
  return { dir, model, meta };
}
