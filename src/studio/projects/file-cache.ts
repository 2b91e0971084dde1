// What the studio derives from a file (an image's size, a polygon file's objects), kept while the
// file is unchanged: keyed by path and checked against the file's size, mtime and inode, so
// listing a thousand images reads each header once, not on every listing.
import { promises as fs } from 'node:fs';

/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 100_000;

export class FileCache<T> {
  private readonly entries = new Map<string, { sig: string; value: T }>();

  constructor(private readonly load: (file: string) => Promise<T>) {}

  /** The value for `file`, loaded again when the file changed; undefined when it is gone. */
  async get(file: string): Promise<T | undefined> {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) {
      this.entries.delete(file);
      return undefined;
    }
    const sig = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = this.entries.get(file);
    if (hit?.sig === sig) return hit.value;
    const value = await this.load(file);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(file, { sig, value });
    return value;
  }
}
