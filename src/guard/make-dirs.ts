// `mkdir -p` for user-given paths. Node's own recursive mkdir loops forever where mkdir answers
// ENOENT although the parent exists (/proc, some FUSE mounts); this creates one level at a time
// from the deepest existing ancestor and fails with that level's error.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function makeDirs(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    const st = await fs.stat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (st) {
      if (!st.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), {
          code: 'ENOTDIR',
          path: at,
        });
      break;
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing.reverse()) {
    await fs.mkdir(level).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // made meanwhile by another writer: fine
    });
  }
}
