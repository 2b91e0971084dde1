// Finding the files a data file names (a COCO `file_name`, a VOC `<filename>`, a mask): each entry
// is confined to its root (guard/confine.ts) and must be a readable regular file within the image
// size limit. A refusal reads the same whether an outside target exists or not: confinement is
// checked before the file is looked at.
// For many entries (a COCO file may name 200k images) the rule is applied per folder: a folder
// confined to the root, listed once, vouches for the plain files in it (a plain file's real path
// is its folder's real path plus its name). Anything else in a listing (a link, a FIFO, a missing
// name) takes the one-by-one path. Sizes of plain files are then checked when they are read.
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { confine, refuseReason } from '../../guard/index.js';
import { mapLimited } from '../limit.js';

export type Located = { path: string } | { reason: string };

/** Folders confined and listed at once: enough to hide latency, few for the libuv pool. */
const CONCURRENT = 16;

/** `entry` under `root` as a path, or why it may not be read. */
export async function locateFile(root: string, entry: string): Promise<Located> {
  const confined = await confine(root, entry);
  if ('reason' in confined) return confined;
  const refused = await refuseReason(confined.path, 'image');
  return refused ? { reason: `${confined.path}: ${refused}` } : confined;
}

/** The plain files of a folder confined to `root`, by name; undefined when it is not. */
async function plainFiles(root: string, dir: string): Promise<Set<string> | undefined> {
  if ('reason' in (await confine(root, dir))) return undefined;
  const listing: Dirent[] = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return new Set(listing.filter((d) => d.isFile()).map((d) => d.name));
}

/** locateFile for many entries, in order, with one confinement and listing per folder. */
export async function locateFiles(root: string, entries: readonly string[]): Promise<Located[]> {
  const absRoot = path.resolve(root);
  const abs = entries.map((e) => (e.includes('\0') ? undefined : path.resolve(absRoot, e)));
  const dirs = [...new Set(abs.flatMap((a) => (a ? [path.dirname(a)] : [])))];
  const listed = new Map<string, Set<string> | undefined>();
  await mapLimited(dirs, CONCURRENT, async (dir) => {
    listed.set(dir, await plainFiles(absRoot, dir));
  });
  const located: (Located | undefined)[] = abs.map((file) =>
    file && listed.get(path.dirname(file))?.has(path.basename(file)) ? { path: file } : undefined,
  );
  const rest = located.flatMap((l, i) => (l ? [] : [i]));
  const found = await mapLimited(rest, CONCURRENT, (i) => locateFile(root, entries[i]!));
  rest.forEach((i, k) => {
    located[i] = found[k];
  });
  return located as Located[];
}
