// The linear probe's feature cache: pooled embeddings on disk, so a second run (another head,
// another learning rate) skips extraction, and only new or changed images go through the model.
//
// Keys. A shard holds one embedding configuration: backbone identity + weight fingerprint +
// embedding layer + input size + preprocessing (its folder is the sha256 of that, as canonical
// JSON). Inside a shard, a row's key is the image's content: sha256 of the file bytes, or the
// source's `contentKey` (built-in datasets). Labels and ids are not in any key: relabelling or
// moving a file keeps its features; the labels returned are always the caller's.
//
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
import type * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../backbones/types.js';
import { mapLimited } from '../data/limit.js';
import { createLoader } from '../data/loader.js';
import { evalTransform } from '../data/transforms/presets.js';
import type { Transform } from '../data/transforms/types.js';
import type { DataSource, Sample } from '../data/types.js';
import { writeFileAtomic } from '../engine/file-io.js';
import { badUsage, VisiontuneError } from '../errors.js';
import { canonicalJson, hashFile, sha256Hex, weightsFingerprint } from './content-hash.js';
import { type EmbeddingSet, embedBatches } from './embed.js';

export const EMBEDDING_CACHE_FORMAT = 'visiontune-embedding-cache';
const FORMAT_VERSION = 1;

/** `$VISIONTUNE_CACHE/embeddings`, else `$XDG_CACHE_HOME` or `~/.cache`, then `visiontune/embeddings`. */
export function defaultEmbeddingCacheDir(): string {
  const root = process.env.VISIONTUNE_CACHE;
  if (root) return path.join(root, 'embeddings');
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'visiontune', 'embeddings');
}

export interface CacheProgress {
  /** `hash`: computing content keys; `embed`: running the model on the images not cached. */
  phase: 'hash' | 'embed';
  done: number;
  total: number;
}

export interface CachedEmbeddingsOptions {
  /** The frozen embedding model (createModel without numClasses); run in inference mode. */
  model: tf.LayersModel;
  /** Identity of the backbone's weights: `backboneIdentity(name, options)`. */
  backboneKey: string;
  /** createModel's config: inputSize, mean/std, interpolation, embeddingLayer. */
  config: Pick<PretrainedConfig, 'inputSize' | 'mean' | 'std' | 'interpolation' | 'embeddingLayer'>;
  /** Eval-transform center crop fraction (default 0.875, as evalTransform). */
  cropPct?: number;
  /**
   * A deterministic transform instead of the eval transform, with a description (any JSON value)
   * that changes whenever its output would. Random augmentation has no place in a cache.
   */
  preprocessing?: { transform: Transform; key: unknown };
  source: DataSource;
  samples: readonly Sample[];
  /** Default: defaultEmbeddingCacheDir(). */
  cacheDir?: string;
  /** Images per model call; default 32. */
  batchSize?: number;
  onProgress?: (progress: CacheProgress) => void;
  /** Cache problems that were repaired (corrupt files); default: console.warn. */
  onWarning?: (message: string) => void;
  /** Hash the model's weight values into the key (guards against stale backboneKeys); default true. */
  fingerprintWeights?: boolean;
  /** Files hashed at once; default 8. */
  hashConcurrency?: number;
  /** Rows computed between segment writes, so an interrupted run keeps its progress; default 4096. */
  flushRows?: number;
  /** More segments than this in a shard after a write merges them; default 16. */
  maxSegments?: number;
}

export interface CacheStats {
  /** Samples served from the cache. */
  hits: number;
  /** Images run through the model (distinct contents among the misses). */
  computed: number;
  /** Samples left out because they failed to decode (skipBad). */
  skipped: number;
  /** The shard folder. */
  shard: string;
}

export interface CachedEmbeddingSet extends EmbeddingSet {
  cache: CacheStats;
}

/** Embedding width of a pooled model: the product of its output's non-batch dims. */
function outputDim(model: tf.LayersModel): number {
  const shape = model.outputs[0]?.shape ?? [];
  const dims = shape.slice(1);
  if (dims.length === 0 || !dims.every((d) => typeof d === 'number' && d > 0)) {
    throw badUsage(
      `embedding cache: model output shape [${shape.join(', ')}] is not a fixed-size embedding`,
    );
  }
  return (dims as number[]).reduce((a, b) => a * b, 1);
}

/**
 * Embeddings of `samples` in their order, computing only those whose content is not cached
 * under this configuration. Samples that fail to decode under skipBad are left out (see `ids`).
 */
export async function cachedEmbeddings(
  options: CachedEmbeddingsOptions,
): Promise<CachedEmbeddingSet> {
  const { model, config, source, samples } = options;
  const warn = options.onWarning ?? ((m: string) => console.warn(`visiontune: ${m}`));
  const dim = outputDim(model);
  const cropPct = options.cropPct ?? 0.875;
  const transform = options.preprocessing?.transform ?? evalTransform(config, { cropPct });
  const configKey = {
    format: EMBEDDING_CACHE_FORMAT,
    version: FORMAT_VERSION,
    backbone: options.backboneKey,
    weights: options.fingerprintWeights === false ? null : await weightsFingerprint(model),
    layer: config.embeddingLayer,
    inputSize: transform.size,
    dim,
    preprocessing: options.preprocessing
      ? { custom: options.preprocessing.key }
      : {
          transform: 'eval',
          size: transform.size,
          cropPct,
          mean: config.mean,
          std: config.std,
          interpolation: config.interpolation,
        },
  };
  const keyText = canonicalJson(configKey);
  const shard = new Shard(
    path.join(options.cacheDir ?? defaultEmbeddingCacheDir(), sha256Hex(keyText).slice(0, 32)),
    keyText,
    dim,
    warn,
  );

  // Content keys. A sample without one (unreadable file, unknown id) is computed every time;
  // the loader then reports it (or skips it) exactly as it would without the cache.
  const hashTotal = samples.length;
  let hashed = 0;
  const keys = await mapLimited(samples, options.hashConcurrency ?? 8, async (sample) => {
    const key = await contentKey(source, sample);
    hashed++;
    if (hashed % 256 === 0 || hashed === hashTotal)
      options.onProgress?.({ phase: 'hash', done: hashed, total: hashTotal });
    return key;
  });

  // One slot per distinct content (or per uncacheable sample): duplicates are computed once.
  const slotOf = new Int32Array(samples.length);
  const slotKeys: (string | null)[] = [];
  const slotSample: Sample[] = [];
  const byKey = new Map<string, number>();
  samples.forEach((sample, i) => {
    const key = keys[i]!;
    let slot = key === null ? undefined : byKey.get(key);
    if (slot === undefined) {
      slot = slotKeys.length;
      slotKeys.push(key);
      slotSample.push(sample);
      if (key !== null) byKey.set(key, slot);
    }
    slotOf[i] = slot;
  });
  const values = new Float32Array(slotKeys.length * dim);
  const filled = new Uint8Array(slotKeys.length);
  await shard.load(byKey, values, filled);
  const fromCache = filled.slice();

  const missing = slotSample.filter((_, s) => !filled[s]);
  const slotBySample = new Map<Sample, number>();
  slotSample.forEach((sample, s) => {
    if (!filled[s]) slotBySample.set(sample, s);
  });
  let computed = 0;
  let skipped = 0;
  if (missing.length > 0) {
    const loader = createLoader(source, missing, {
      batchSize: options.batchSize ?? 32,
      transform,
    });
    const skippedBefore = loader.skipped.count;
    const pendingKeys: string[] = [];
    const pendingRows: Float32Array[] = [];
    let pendingCount = 0;
    const flush = async () => {
      if (pendingCount === 0) return;
      const data = new Float32Array(pendingCount * dim);
      let offset = 0;
      for (const rows of pendingRows) {
        data.set(rows, offset);
        offset += rows.length;
      }
      const segKeys = pendingKeys.splice(0);
      pendingRows.length = 0;
      pendingCount = 0;
      await shard.append(segKeys, data);
    };
    const flushRows = options.flushRows ?? 4096;
    try {
      for await (const batch of embedBatches(model, loader)) {
        if (batch.dim !== dim) throw new Error(`model gave ${batch.dim}-d rows, expected ${dim}`);
        const rows: number[] = [];
        batch.samples.forEach((sample, k) => {
          const s = slotBySample.get(sample)!;
          values.set(batch.embeddings.subarray(k * dim, (k + 1) * dim), s * dim);
          filled[s] = 1;
          const key = slotKeys[s];
          if (key != null) {
            pendingKeys.push(key);
            rows.push(k);
          }
        });
        if (rows.length === batch.samples.length) pendingRows.push(batch.embeddings);
        else for (const k of rows) pendingRows.push(batch.embeddings.slice(k * dim, (k + 1) * dim));
        pendingCount += rows.length;
        computed += batch.samples.length;
        options.onProgress?.({ phase: 'embed', done: computed, total: missing.length });
        if (pendingCount >= flushRows) await flush();
      }
    } catch (err) {
      // Keep what was computed before the failure (best effort), then report the failure.
      await flush().catch(() => {});
      throw err;
    }
    await flush();
    skipped = loader.skipped.count - skippedBefore;
    await shard.compactIfNeeded(options.maxSegments ?? 16);
  }

  // Assemble in sample order; samples whose image was skipped are left out.
  const ids: string[] = [];
  const labels: number[] = [];
  const keep: number[] = [];
  samples.forEach((sample, i) => {
    if (!filled[slotOf[i]!]) return;
    ids.push(sample.id);
    labels.push(sample.label);
    keep.push(slotOf[i]!);
  });
  let embeddings: Float32Array;
  if (keep.length === slotKeys.length && keep.every((s, i) => s === i)) embeddings = values;
  else {
    embeddings = new Float32Array(keep.length * dim);
    keep.forEach((s, i) => {
      embeddings.set(values.subarray(s * dim, (s + 1) * dim), i * dim);
    });
  }
  let hits = 0;
  for (const s of slotOf) if (fromCache[s]) hits++;
  return {
    ids,
    labels: Int32Array.from(labels),
    embeddings,
    dim,
    cache: { hits, computed, skipped, shard: shard.dir },
  };
}

/** The row key of a sample's content: its source's contentKey, else sha256 of its file. */
async function contentKey(source: DataSource, sample: Sample): Promise<string | null> {
  try {
    if (source.contentKey) return `key:${sha256Hex(source.contentKey(sample))}`;
    return `sha256:${await hashFile(sample.id)}`;
  } catch (err) {
    if (err instanceof VisiontuneError || isFsError(err)) return null;
    throw err;
  }
}

function isFsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

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

class Shard {
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
    if (index.version !== FORMAT_VERSION) return `format version ${index.version}`;
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
      version: FORMAT_VERSION,
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
