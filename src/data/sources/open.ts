// openSource: one entry point that picks the source from the spec — a built-in dataset name,
// an image folder, or a manifest file.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { badInput } from '../../errors.js';
import type { DataSource } from '../types.js';
import { openFashionMnist } from './fashion-mnist.js';
import { openFolder } from './folder.js';
import { MANIFEST_EXTENSIONS, openManifest } from './manifest.js';
import { openMnist } from './mnist.js';
import type { SourceOptions } from './options.js';

export const BUILTIN_DATASETS: Record<string, () => Promise<DataSource>> = {
  mnist: openMnist,
  'fashion-mnist': openFashionMnist,
};

export async function openSource(spec: string, options: SourceOptions = {}): Promise<DataSource> {
  const builtin = BUILTIN_DATASETS[spec];
  if (builtin) {
    const source = await builtin();
    if (options.labels) {
      const known = new Set(source.classes);
      const extra = options.labels.filter((l) => !known.has(l));
      if (extra.length > 0 || options.labels.length !== source.classes.length) {
        throw badInput(`Label set does not match ${spec}'s classes`, [
          `${spec}: classes are ${source.classes.join(', ')}`,
        ]);
      }
    }
    return source;
  }
  const st = await stat(spec).catch(() => null);
  if (!st) {
    const names = Object.keys(BUILTIN_DATASETS).join(', ');
    throw badInput(
      `Data not found: ${spec} (expected a folder, a .csv/.jsonl manifest, or one of ${names})`,
    );
  }
  if (st.isDirectory()) return openFolder(spec, options);
  if (MANIFEST_EXTENSIONS.has(extname(spec).toLowerCase())) return openManifest(spec, options);
  throw badInput(`Cannot tell what ${spec} is: expected a folder or a .csv/.jsonl manifest`);
}
