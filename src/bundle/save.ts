// Saving a bundle: the whole folder is built in a hidden sibling and swapped in by rename
// (guard/replace-dir), so a save killed at any moment leaves the old or the new bundle whole, and
// a folder that holds something else is refused (or, with `overwrite`, moved aside), never
// emptied.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { fileIO, writeFileAtomic } from '../engine/file-io.js';
import { replaceDir } from '../guard/replace-dir.js';
import { writeFailure } from '../guard/write-failure.js';
import { version } from '../version.js';
import { type DeltaSaveOptions, prepareDelta } from './delta/save-delta.js';
import { standardizeFolding } from './fold-standardize.js';
import { BUNDLE_FORMAT_VERSION, type BundleMeta, bundleMetaSchema, META_FILE } from './meta.js';

export type NewBundleMeta = Omit<BundleMeta, 'formatVersion' | 'createdAt' | 'visiontuneVersion'>;

/** The owner kind (guard/owner.ts) of a bundle folder: a later save of the same kind may
 * replace it. Commands whose --out is the bundle itself name their own kind, so one command's
 * output never silently replaces another's (quantize --out pointing at a trained bundle). */
export const BUNDLE_KIND = 'bundle';

export interface SaveBundleOptions {
  /** Rewrites the model's artifacts (e.g. quantized weightSpecs/weightData) before they are
   * written, so a transformed bundle gets the same staged, atomic save as any other. */
  transformArtifacts?: (
    artifacts: tf.io.ModelArtifacts,
  ) => tf.io.ModelArtifacts | Promise<tf.io.ModelArtifacts>;
  /** Move a folder that is not a bundle aside instead of refusing it (--overwrite). */
  overwrite?: boolean;
  /** The folder is the bundle being updated (fewshot add): replace it whatever wrote it. */
  inPlace?: boolean;
  /** The owner kind to write and to replace (default BUNDLE_KIND). */
  kind?: string;
  /** How the folder is named in messages (default '--out <dir>'). */
  what?: string;
  /** Save a delta bundle on this base (bundle/delta): only the weights the base cannot give.
   * Without it the bundle is standalone, whatever `meta.delta` a loaded delta carried. */
  delta?: DeltaSaveOptions;
}

export async function saveBundle(
  dir: string,
  model: tf.LayersModel,
  meta: NewBundleMeta,
  options: SaveBundleOptions = {},
): Promise<BundleMeta> {
  const { delta: _loadedDelta, ...standalone } = meta;
  let full: BundleMeta = bundleMetaSchema.parse({
    ...standalone,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    visiontuneVersion: version,
  });
  const { overwrite, inPlace, what, kind = BUNDLE_KIND } = options;
  // Standardization is folded into the Dense after it, so the saved model needs no custom class.
  // Not in a few-shot bundle: `fewshot add` grows its head in the standardized space the head
  // reads. Not under a caller's transform, which rewrites weights it captured unfolded.
  const ownTransform =
    options.transformArtifacts ?? (meta.fewshot ? undefined : standardizeFolding(model));
  const delta = options.delta
    ? await prepareDelta(options.delta, full.training, what ?? `--out ${dir}`)
    : undefined;
  // The delta is taken last, from the weights exactly as they would be written.
  const transform =
    delta && ownTransform
      ? async (artifacts: tf.io.ModelArtifacts) => delta.transform(await ownTransform(artifacts))
      : (delta?.transform ?? ownTransform);
  const existed = await fs.stat(dir).then(
    () => true,
    () => false,
  );
  try {
    await replaceDir(
      dir,
      async (staging) => {
        const io = fileIO(staging);
        await model.save(
          transform ? { save: async (artifacts) => io.save!(await transform(artifacts)) } : io,
        );
        if (delta) full = bundleMetaSchema.parse({ ...full, delta: delta.meta() });
        await writeFileAtomic(path.join(staging, META_FILE), `${JSON.stringify(full, null, 2)}\n`);
      },
      { kind, overwrite, inPlace, what },
    );
  } catch (err) {
    // replaceDir removed its staging folder and left the old bundle where it was.
    throw writeFailure(
      err,
      dir,
      existed ? `the previous bundle at ${dir} is unchanged` : 'no bundle was written',
    );
  } finally {
    await delta?.release();
  }
  return full;
}
