// Finding the files a data file names (a COCO `file_name`, a VOC `<filename>`, a mask): each entry
// is confined to its root (guard/confine.ts) and must be a readable regular image file within the
// size limit. A refusal reads the same whether an outside target exists or not: confinement is
// checked before the file is looked at.
import { confine, refuseReason } from '../../guard/index.js';
import { mapLimited } from '../limit.js';

/** Stat calls in flight at once: enough to hide latency, few enough for the libuv pool. */
const CONCURRENT = 32;

/** `entry` under `root` as a path, or why it may not be read. */
export async function locateFile(
  root: string,
  entry: string,
): Promise<{ path: string } | { reason: string }> {
  const confined = await confine(root, entry);
  if ('reason' in confined) return confined;
  const refused = await refuseReason(confined.path, 'image');
  return refused ? { reason: `${confined.path}: ${refused}` } : confined;
}

/** locateFile for many entries, in order, with bounded concurrency. */
export function locateFiles(
  root: string,
  entries: readonly string[],
): Promise<({ path: string } | { reason: string })[]> {
  return mapLimited(entries, CONCURRENT, (entry) => locateFile(root, entry));
}
