// Saving a bundle: the whole folder is built beside the target and swapped in, so an
// interrupted save never leaves a half-written bundle.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { fileIO, writeFileAtomic } from '../engine/file-io.js';
import { version } from '../version.js';
import { BUNDLE_FORMAT_VERSION, type BundleMeta, bundleMetaSchema, META_FILE } from './meta.js';

export type NewBundleMeta = Omit<BundleMeta, 'formatVersion' | 'createdAt' | 'visiontuneVersion'>;

export interface SaveBundleOptions {
  /** Rewrites the model's artifacts (e.g. quantized weightSpecs/weightData) before they are
   * written, so a transformed bundle gets the same staged, atomic save as any other. */
  transformArtifacts?: (
    artifacts: tf.io.ModelArtifacts,
  ) => tf.io.ModelArtifacts | Promise<tf.io.ModelArtifacts>;
}

export async function saveBundle(
  dir: string,
  model: tf.LayersModel,
  meta: NewBundleMeta,
  options: SaveBundleOptions = {},
): Promise<BundleMeta> {
  const full: BundleMeta = bundleMetaSchema.parse({
    ...meta,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    visiontuneVersion: version,
  });
  const target = path.resolve(dir);
  const staging = `${target}.saving-${process.pid}-${Date.now()}`;
  const retired = `${target}.old-${process.pid}-${Date.now()}`;
  try {
    const io = fileIO(staging);
    const transform = options.transformArtifacts;
    await model.save(
      transform ? { save: async (artifacts) => io.save!(await transform(artifacts)) } : io,
    );
    await writeFileAtomic(path.join(staging, META_FILE), `${JSON.stringify(full, null, 2)}\n`);
    const existed = await fs.stat(target).then(
      () => true,
      () => false,
    );
    if (existed) await fs.rename(target, retired);
    await fs.rename(staging, target);
    if (existed) await fs.rm(retired, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  return full;
}
