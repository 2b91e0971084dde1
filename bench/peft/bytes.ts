// What a bundle costs on disk: its weight files (those model.json's weightsManifest names) and
// the whole folder (model.json's topology, visiontune.json, the model card). A delta bundle's
// weight files hold only what its base cannot give; its model.json is the whole topology.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface BundleBytes {
  /** The weight files model.json names. */
  weights: number;
  /** Every file in the bundle folder (weights, topology, metadata). */
  folder: number;
}

export async function bundleBytes(dir: string): Promise<BundleBytes> {
  const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest?: { paths: string[] }[];
  };
  const paths = (model.weightsManifest ?? []).flatMap((g) => g.paths);
  const sizeOf = async (name: string) => (await stat(join(dir, name))).size;
  const weights = (await Promise.all(paths.map(sizeOf))).reduce((a, b) => a + b, 0);
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const folder = (await Promise.all(files.map(sizeOf))).reduce((a, b) => a + b, 0);
  return { weights, folder };
}
