// Storage, lock-free. A shard is a folder of immutable segments, each a pair: `<seg>.bin`, raw
// little-endian float32 rows, and `<seg>.json`, the index (config key, dim, row count, row keys).
// A writer writes the .bin (temp file, fsync, rename) and then the .json the same way; the
// .json is the commit, so a reader never sees a half-written segment, and concurrent writers
// never touch each other's files (at worst both compute the same rows; the first copy wins).
// When a shard has too many segments, the writer merges them into one and deletes the old
// ones (index first); a reader that loses a file to that mid-read starts its lookup over.
// An index that does not parse, belongs to another configuration, has another dim, or whose
// .bin is not exactly rows * dim * 4 bytes is reported, deleted and its rows recomputed.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../engine/file-io.js';

export const EMBEDDING_CACHE_FORMAT = 'visiontune-embedding-cache';
export const CACHE_FORMAT_VERSION = 1;

interface SegmentIndex {
  format: typeof EMBEDDING_CACHE_FORMAT;
  version: number;
  /** The shard's configuration as canonical JSON, checked against the reader's. */
  config: string;
  dim: number;
  rows: number;
  keys: string[];
  endian: 'LE';
  created: string;
}

interface OpenSegment {
  name: string;
  index: SegmentIndex;
  handle: fs.FileHandle;
}

/** Thrown inside a lookup when a file vanished under it (a concurrent merge): start over. */
class Vanished extends Error {}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

const STALE_TEMP_MS = 60 * 60 * 1000;
const LOOKUP_TRIES = 5;
/** Largest single read when fetching cached rows. */
const MAX_READ_BYTES = 16 << 20;

/** One embedding configuration's rows on disk (see the file comment). */
export class Shard {
  constructor(
    readonly dir: string,
    private readonly configText: string,
    private readonly dim: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Segment names (without extension) whose index is committed, oldest first. */
  private async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .sort();
  }

  /** Opens and checks one segment; null when it was corrupt (reported and deleted). */
  private async open(name: string): Promise<OpenSegment | null> {
    const jsonPath = path.join(this.dir, `${name}.json`);
    let text: string;
    try {
      text = await fs.readFile(jsonPath, 'utf8');
    } catch (err) {
      if (isMissing(err)) throw new Vanished();
      throw err;
    }
    let index: SegmentIndex;
    try {
      index = JSON.parse(text) as SegmentIndex;
    } catch {
      await this.discard(name, 'index is not valid JSON');
      return null;
    }
    const problem = this.checkIndex(index);
    if (problem) {
      await this.discard(name, problem);
      return null;
    }
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path.join(this.dir, `${name}.bin`), 'r');
    } catch (err) {
      // The .bin is renamed into place before its index and deleted after it, so a missing
      // .bin under a present index means a merge is deleting this segment right now.
      if (isMissing(err)) {
        if (await exists(jsonPath)) {
          await this.discard(name, 'data file is missing');
          return null;
        }
        throw new Vanished();
      }
      throw err;
    }
    const size = (await handle.stat()).size;
    const expected = index.rows * index.dim * 4;
    if (size !== expected) {
      await handle.close();
      await this.discard(
        name,
        `data file has ${size} bytes, index says ${index.rows} rows x ${index.dim} floats (${expected} bytes)`,
      );
      return null;
    }
    return { name, index, handle };
  }

  private checkIndex(index: SegmentIndex): string | null {
    if (!index || typeof index !== 'object' || index.format !== EMBEDDING_CACHE_FORMAT)
      return 'not an embedding cache index';
    if (index.version !== CACHE_FORMAT_VERSION) return `format version ${index.version}`;
    if (index.config !== this.configText) return 'index belongs to another configuration';
    if (index.dim !== this.dim) return `dim ${index.dim}, expected ${this.dim}`;
    if (index.endian !== 'LE' || os.endianness() !== 'LE') return 'byte order mismatch';
    if (!Array.isArray(index.keys) || index.keys.length !== index.rows || !(index.rows > 0))
      return `index lists ${index.keys?.length} keys for ${index.rows} rows`;
    return null;
  }

  private async discard(name: string, why: string): Promise<void> {
    this.warn(`embedding cache: ${path.join(this.dir, name)}: ${why}; deleted, rows recomputed`);
    await this.remove(name);
  }

  /** Index first: once it is gone no reader will trust the .bin. */
  private async remove(name: string): Promise<void> {
    await fs.rm(path.join(this.dir, `${name}.json`), { force: true });
    await fs.rm(path.join(this.dir, `${name}.bin`), { force: true });
  }

  /** Opens every committed segment; starts over when a concurrent merge removes one. */
  private async withSegments<T>(fn: (segments: OpenSegment[]) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const segments: OpenSegment[] = [];
      try {
        for (const name of await this.list()) {
          const seg = await this.open(name);
          if (seg) segments.push(seg);
        }
        return await fn(segments);
      } catch (err) {
        if (!(err instanceof Vanished) || attempt >= LOOKUP_TRIES) throw err;
      } finally {
        await Promise.all(segments.map((s) => s.handle.close()));
      }
    }
  }

  /** Fills `values` rows of the slots in `wanted` (key -> slot) that the shard holds. */
  async load(wanted: Map<string, number>, values: Float32Array, filled: Uint8Array): Promise<void> {
    if (wanted.size === 0) return;
    try {
      await this.lookup(wanted, values, filled);
    } catch (err) {
      // Merges kept racing this lookup: compute everything rather than fail.
      if (!(err instanceof Vanished)) throw err;
      filled.fill(0);
    }
  }

  private async lookup(wanted: Map<string, number>, values: Float32Array, filled: Uint8Array) {
    await this.withSegments(async (segments) => {
      filled.fill(0);
      const rowBytes = this.dim * 4;
      for (const seg of segments) {
        const requests: { row: number; slot: number }[] = [];
        seg.index.keys.forEach((key, row) => {
          const slot = wanted.get(key);
          if (slot !== undefined && !filled[slot]) {
            filled[slot] = 1;
            requests.push({ row, slot });
          }
        });
        // Contiguous (or nearly) rows are fetched with one read.
        let i = 0;
        while (i < requests.length) {
          let j = i + 1;
          while (
            j < requests.length &&
            requests[j]!.row - requests[j - 1]!.row <= 8 &&
            (requests[j]!.row - requests[i]!.row + 1) * rowBytes <= MAX_READ_BYTES
          )
            j++;
          const first = requests[i]!.row;
          const count = requests[j - 1]!.row - first + 1;
          const bytes = new Uint8Array(count * rowBytes);
          const { bytesRead } = await seg.handle.read(bytes, 0, bytes.length, first * rowBytes);
          if (bytesRead !== bytes.length) throw new Vanished();
          const floats = new Float32Array(bytes.buffer);
          for (let k = i; k < j; k++) {
            const r = requests[k]!.row - first;
            values.set(
              floats.subarray(r * this.dim, (r + 1) * this.dim),
              requests[k]!.slot * this.dim,
            );
          }
          i = j;
        }
      }
    });
  }

  /** Commits rows as a new segment: data file, then index, each via temp file + rename. */
  async append(keys: string[], data: Float32Array): Promise<void> {
    if (keys.length === 0) return;
    await fs.mkdir(this.dir, { recursive: true });
    await this.writeSegment(segmentName(), keys, [data]);
  }

  private async writeSegment(name: string, keys: string[], chunks: Float32Array[]) {
    const bin = path.join(this.dir, `${name}.bin`);
    await writeFileAtomic(
      bin,
      chunks.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength)),
    );
    const index: SegmentIndex = {
      format: EMBEDDING_CACHE_FORMAT,
      version: CACHE_FORMAT_VERSION,
      config: this.configText,
      dim: this.dim,
      rows: keys.length,
      keys,
      endian: 'LE',
      created: new Date().toISOString(),
    };
    try {
      await writeFileAtomic(path.join(this.dir, `${name}.json`), [JSON.stringify(index)]);
    } catch (err) {
      await fs.rm(bin, { force: true });
      throw err;
    }
  }

  /**
   * Merges all segments into one when there are more than `max`. Best effort: a race with
   * another merge (files vanishing) just leaves the merge to a later run.
   */
  async compactIfNeeded(max: number): Promise<void> {
    const names = await this.list();
    if (names.length <= max) return;
    try {
      await this.withSegments(async (segments) => {
        if (segments.length <= 1) return;
        const seen = new Set<string>();
        const keys: string[] = [];
        const chunks: Float32Array[] = [];
        const rowFloats = this.dim;
        for (const seg of segments) {
          const bytes = new Uint8Array(seg.index.rows * rowFloats * 4);
          const { bytesRead } = await seg.handle.read(bytes, 0, bytes.length, 0);
          if (bytesRead !== bytes.length) throw new Vanished();
          const floats = new Float32Array(bytes.buffer);
          const keepRows: number[] = [];
          seg.index.keys.forEach((key, row) => {
            if (!seen.has(key)) {
              seen.add(key);
              keys.push(key);
              keepRows.push(row);
            }
          });
          if (keepRows.length === seg.index.rows) chunks.push(floats);
          else {
            const out = new Float32Array(keepRows.length * rowFloats);
            keepRows.forEach((row, k) => {
              out.set(floats.subarray(row * rowFloats, (row + 1) * rowFloats), k * rowFloats);
            });
            chunks.push(out);
          }
        }
        await this.writeSegment(segmentName(), keys, chunks);
        // Best effort: a file that cannot be deleted (open elsewhere on Windows) is only a
        // duplicate; the next merge retries.
        for (const seg of segments) await this.remove(seg.name).catch(() => {});
      });
    } catch (err) {
      if (!(err instanceof Vanished)) throw err;
    }
    await this.removeStaleTemps();
  }

  /** Temp files and index-less data files older than an hour are leftovers of killed runs. */
  private async removeStaleTemps(): Promise<void> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const committed = new Set(names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
    const now = Date.now();
    for (const n of names) {
      const orphan = n.endsWith('.bin') && !committed.has(n.slice(0, -4));
      if (!n.endsWith('.tmp') && !orphan) continue;
      const st = await fs.stat(path.join(this.dir, n)).catch(() => null);
      if (st && now - st.mtimeMs > STALE_TEMP_MS)
        await fs.rm(path.join(this.dir, n), { force: true });
    }
  }
}

/** Time-ordered and unique across processes. */
function segmentName(): string {
  const time = Date.now().toString(36).padStart(10, '0');
  return `${time}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
