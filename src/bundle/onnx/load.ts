// A bundle to run in ONNX Runtime: either an exported .onnx file (its metadata carries the bundle
// description) or a bundle folder, exported in memory on load.
import { promises as fs } from 'node:fs';
import { badInput } from '../../errors.js';
import { type LoadBundleOptions, loadBundle } from '../bundle.js';
import type { BundleMeta } from '../meta.js';
import { bundleToOnnx, readOnnxBundleFile } from './export-bundle.js';
import { createOnnxRunner, type OnnxRunner, type OnnxSessionOptions } from './runtime.js';

export interface OnnxBundle {
  dir: string;
  meta: BundleMeta;
  model: OnnxRunner;
}

export async function loadOnnxBundle(
  location: string,
  options: OnnxSessionOptions & LoadBundleOptions = {},
): Promise<OnnxBundle> {
  const stat = await fs.stat(location).catch(() => {
    throw badInput(`${location}: no such bundle folder or .onnx file`);
  });
  if (stat.isDirectory()) {
    const bundle = await loadBundle(location, { bases: options.bases });
    const bytes = bundleToOnnx(bundle);
    bundle.model.dispose();
    return { dir: bundle.dir, meta: bundle.meta, model: await createOnnxRunner(bytes, options) };
  }
  // The checked bytes go to ONNX Runtime, not the path: it would read the file again, unchecked.
  const { meta, bytes } = await readOnnxBundleFile(location);
  return { dir: location, meta, model: await createOnnxRunner(bytes, options) };
}
