// A trained model on disk: a folder with the TF.js model (model.json + weights) and
// visiontune.json. Finding and loading it here; saving in save.ts.
// Registers the BatchNorm training fix before any model is deserialized.
import '../backbones/batchnorm-fix.js';
import '../backbones/relu-layer.js';
// Few-shot cosine classifiers hold an L2-normalize layer.
import '../heads/l2-normalize.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileIO } from '../engine/file-io.js';
import { ensureEngine } from '../engine/index.js';
import { badInput } from '../errors.js';
import { readableDir } from '../guard/replace-dir.js';
import { BUNDLE_FORMAT_VERSION, type BundleMeta, bundleMetaSchema, META_FILE } from './meta.js';

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
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw badInput(
        `${dir} is not a visiontune bundle: ${META_FILE} is missing (there and in ${path.join(dir, 'bundle')})`,
      );
    throw badInput(`cannot read ${file}: ${code ?? (err as Error).message}`);
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > BUNDLE_FORMAT_VERSION) {
    throw badInput(
      `${file} has format version ${version}; this visiontune reads up to ${BUNDLE_FORMAT_VERSION}. Upgrade visiontune.`,
    );
  }
  const parsed = bundleMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw badInput(`${file} is not a valid bundle description`, problems);
  }
  return parsed.data;
}

/** The bundle in `location` (a bundle folder or a run's output folder) with its model loaded. */
export async function loadBundle(location: string): Promise<LoadedBundle> {
  await ensureEngine();
  const dir = await locateBundle(location);
  const meta = await readBundleMeta(dir);
  const model = await tf.loadLayersModel(fileIO(dir));
  const outputs = model.outputs[0].shape;
  const perClass = meta.task === 'classification' || meta.task === 'segmentation';
  if (perClass && outputs[outputs.length - 1] !== meta.labels.length) {
    throw badInput(
      `${dir}: model outputs ${outputs[outputs.length - 1]} classes but ${META_FILE} lists ${meta.labels.length} labels`,
    );
  }
  return { dir, model, meta };
}
