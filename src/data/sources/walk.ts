// Walking an image folder under the confinement rule. Symbolic links are followed while their
// real path stays inside the data root (guard/confine.ts; --allow-outside-root lifts that), and
// everything that cannot be walked is reported rather than skipped: link loops, broken links,
// FIFOs, sockets and devices, unreadable folders, names that are not valid UTF-8 and collide once
// decoded. Dotfiles and desktop clutter are passed over.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { confine, fsReason, refuseReason } from '../../guard/index.js';
import { decodeName, nativePath } from '../native-path.js';
import type { Problem } from '../validate.js';

const IGNORED = new Set(['Thumbs.db', 'desktop.ini']);

export interface Entry {
  /** The name as shown (not valid UTF-8: with U+FFFD, see native-path.ts). */
  name: string;
  /** The path as shown and as the decoder takes it. */
  path: string;
  dir: boolean;
}

/** One walk: its data root, the real paths of the folders being walked, and what went wrong. */
export interface Walk {
  root: string;
  problems: Problem[];
  /** Real paths of the folders on the way down (a link back to one of them is a loop). */
  ancestors?: ReadonlySet<string>;
}

/** Why the entry at `fsPath` (shown as `shown`) cannot be walked, or its stat. */
async function inspect(
  walk: Walk,
  shown: string,
  fsPath: string | Buffer,
): Promise<string | { dir: boolean }> {
  const own = await lstat(fsPath).catch((err: unknown) => fsReason(err));
  if (typeof own === 'string') return own;
  if (own.isSymbolicLink()) {
    // Confinement works on strings; a link whose path is not valid UTF-8 cannot be checked.
    if (typeof fsPath !== 'string')
      return 'symbolic link in a path that is not valid UTF-8 (refused)';
    const confined = await confine(walk.root, path.relative(walk.root, shown));
    if ('reason' in confined) return confined.reason;
  }
  const st = await stat(fsPath).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? 'broken symbolic link (its target does not exist)' : fsReason(err),
  );
  if (typeof st === 'string') return st;
  if (st.isDirectory()) {
    const real = await realpath(fsPath).catch(() => undefined);
    if (real !== undefined && walk.ancestors?.has(real)) return 'symbolic link loop';
    return { dir: true };
  }
  if (st.isFile()) return { dir: false };
  return (await refuseReason(fsPath, 'image')) ?? 'not a regular file';
}

/** The entries of `dir`, sorted; what cannot be listed or followed goes to `walk.problems`. */
export async function listDir(walk: Walk, dir: string): Promise<Entry[]> {
  const dirFs = (await nativePath(dir)) ?? dir;
  const raws = await readdir(dirFs, { encoding: 'buffer' }).catch((err: unknown) => {
    walk.problems.push({ path: dir, reason: fsReason(err) });
    return [] as Buffer[];
  });
  const decoded = raws.map((raw) => ({ raw, ...decodeName(raw) }));
  const seen = new Map<string, number>();
  for (const d of decoded) seen.set(d.name, (seen.get(d.name) ?? 0) + 1);
  const entries: Entry[] = [];
  for (const { raw, name, exact } of decoded.sort((a, b) => Buffer.compare(a.raw, b.raw))) {
    if (name.startsWith('.') || IGNORED.has(name)) continue;
    const shown = path.join(dir, name);
    if (!exact && seen.get(name)! > 1) {
      walk.problems.push({
        path: shown,
        reason: 'file name is not valid UTF-8 and reads the same as another one here (rename it)',
      });
      continue;
    }
    const fsPath =
      exact && typeof dirFs === 'string'
        ? shown
        : Buffer.concat([Buffer.from(dirFs), Buffer.from(path.sep), raw]);
    const found = await inspect(walk, shown, fsPath);
    if (typeof found === 'string') walk.problems.push({ path: shown, reason: found });
    else entries.push({ name, path: shown, dir: found.dir });
  }
  return entries;
}

/** All files under `dir`, recursively, in sorted order. */
export async function walkFiles(walk: Walk, dir: string): Promise<string[]> {
  const real = await realpath((await nativePath(dir)) ?? dir).catch(() => dir);
  const inner: Walk = { ...walk, ancestors: new Set([...(walk.ancestors ?? []), real]) };
  const out: string[] = [];
  for (const e of await listDir(inner, dir)) {
    if (e.dir) out.push(...(await walkFiles(inner, e.path)));
    else out.push(e.path);
  }
  return out;
}
