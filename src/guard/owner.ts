// Which folders visiontune may replace: those it wrote itself. Every output folder gets a small
// owner file naming the kind of output (a training run, a bundle, an imported backbone); a later
// run of the same kind may replace it, and nothing else is replaced or deleted without
// --overwrite, which moves the old content aside instead.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { version } from '../version.js';

export const OWNER_FILE = '.visiontune-output';
/** The lock of a run writing the folder (lock.ts). */
export const LOCK_FILE = '.visiontune-lock';

export interface OwnerMark {
  writer: 'visiontune';
  /** What kind of output this is, e.g. 'run', 'bundle', 'backbone'. */
  kind: string;
  version: string;
}

/** The owner mark of `dir`, or undefined when visiontune did not write it (or it is gone). */
export async function readOwner(dir: string): Promise<OwnerMark | undefined> {
  try {
    const mark = JSON.parse(await fs.readFile(path.join(dir, OWNER_FILE), 'utf8')) as OwnerMark;
    return mark?.writer === 'visiontune' && typeof mark.kind === 'string' ? mark : undefined;
  } catch {
    return undefined;
  }
}

export async function writeOwner(dir: string, kind: string): Promise<void> {
  const mark: OwnerMark = { writer: 'visiontune', kind, version };
  await fs.writeFile(path.join(dir, OWNER_FILE), `${JSON.stringify(mark)}\n`);
}

/** Entries of `dir` other than visiontune's own bookkeeping; undefined when `dir` is missing. */
export async function contentsOf(dir: string): Promise<string[] | undefined> {
  try {
    const names = await fs.readdir(dir);
    return names.filter((n) => n !== OWNER_FILE && n !== LOCK_FILE).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
