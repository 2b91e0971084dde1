// The linear probe's feature cache: pooled embeddings on disk, so a second run (another head,
// another learning rate) skips extraction, and only new or changed images go through the model.
//
// Keys. A shard holds one embedding configuration: backbone identity + weight fingerprint +
// embedding layer + input size + preprocessing (its folder is the sha256 of that, as canonical
// JSON). Inside a shard, a row's key is the image's content: sha256 of the file bytes, or the
// source's `contentKey` (built-in datasets). Labels and ids are not in any key: relabelling or
// moving a file keeps its features; the labels returned are always the caller's.
//
// Storage: embedding-shard.ts; the write buffer: embedding-segment.ts.
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../backbones/types.js';
import { mapLimited } from '../data/limit.js';
import { createLoader } from '../data/loader.js';
import { evalTransform } from '../data/transforms/presets.js';
import type { Transform } from '../data/transforms/types.js';
import type { DataSource, Sample } from '../data/types.js';
import { badUsage, VisiontuneError } from '../errors.js';
import { canonicalJson, hashFile, sha256Hex, weightsFingerprint } from './content-hash.js';
import { type EmbeddingSet, embedBatches } from './embed.js';
import { PendingSegment } from './embedding-segment.js';
import { CACHE_FORMAT_VERSION, EMBEDDING_CACHE_FORMAT, Shard } from './embedding-shard.js';

export { EMBEDDING_CACHE_FORMAT };

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

interface ShardSettings {
  dim: number;
  transform: Transform;
  cropPct: number;
  warn: (message: string) => void;
}

/** The shard of this embedding configuration (see the header for what its key holds). */
async function openShard(options: CachedEmbeddingsOptions, s: ShardSettings): Promise<Shard> {
  const { model, config } = options;
  const configKey = {
    format: EMBEDDING_CACHE_FORMAT,
    version: CACHE_FORMAT_VERSION,
    backbone: options.backboneKey,
    weights: options.fingerprintWeights === false ? null : await weightsFingerprint(model),
    layer: config.embeddingLayer,
    inputSize: s.transform.size,
    dim: s.dim,
    preprocessing: options.preprocessing
      ? { custom: options.preprocessing.key }
      : {
          transform: 'eval',
          // Image files are resized in TS since issue 22 (sharp only decodes): older shards hold
          // features of sharp-resized images.
          resize: 'ts',
          size: s.transform.size,
          cropPct: s.cropPct,
          mean: config.mean,
          std: config.std,
          interpolation: config.interpolation,
        },
  };
  const keyText = canonicalJson(configKey);
  const root = options.cacheDir ?? defaultEmbeddingCacheDir();
  return new Shard(path.join(root, sha256Hex(keyText).slice(0, 32)), keyText, s.dim, s.warn);
}

/**
 * Content keys, one per sample. A sample without one (unreadable file, unknown id) is computed
 * every time; the loader then reports it (or skips it) exactly as it would without the cache.
 */
async function contentKeys(options: CachedEmbeddingsOptions): Promise<(string | null)[]> {
  const { source, samples } = options;
  const total = samples.length;
  let hashed = 0;
  return mapLimited(samples, options.hashConcurrency ?? 8, async (sample) => {
    const key = await contentKey(source, sample);
    hashed++;
    if (hashed % 256 === 0 || hashed === total)
      options.onProgress?.({ phase: 'hash', done: hashed, total });
    return key;
  });
}

/** One slot per distinct content (or per uncacheable sample): duplicates are computed once. */
interface Slots {
  /** The slot of each sample. */
  of: Int32Array;
  /** Each slot's content key (null: uncacheable) and first sample. */
  keys: (string | null)[];
  samples: Sample[];
  byKey: Map<string, number>;
}

function assignSlots(samples: readonly Sample[], keys: readonly (string | null)[]): Slots {
  const slots: Slots = {
    of: new Int32Array(samples.length),
    keys: [],
    samples: [],
    byKey: new Map(),
  };
  samples.forEach((sample, i) => {
    const key = keys[i]!;
    let slot = key === null ? undefined : slots.byKey.get(key);
    if (slot === undefined) {
      slot = slots.keys.length;
      slots.keys.push(key);
      slots.samples.push(sample);
      if (key !== null) slots.byKey.set(key, slot);
    }
    slots.of[i] = slot;
  });
  return slots;
}

/** Slot rows: `values` holds `dim` floats per slot, `filled[slot]` once they are there. */
interface SlotRows {
  slots: Slots;
  values: Float32Array;
  filled: Uint8Array;
  dim: number;
}

/**
 * Runs the model on the slots the cache did not fill, writing their rows into `rows` and,
 * every `flushRows` rows, into the shard. Counts the images computed and those skipped as bad.
 */
async function computeMissing(
  options: CachedEmbeddingsOptions,
  shard: Shard,
  transform: Transform,
  rows: SlotRows,
): Promise<{ computed: number; skipped: number }> {
  const { slots, values, filled, dim } = rows;
  const missing = slots.samples.filter((_, s) => !filled[s]);
  if (missing.length === 0) return { computed: 0, skipped: 0 };
  const slotBySample = new Map<Sample, number>();
  slots.samples.forEach((sample, s) => {
    if (!filled[s]) slotBySample.set(sample, s);
  });
  const loader = createLoader(options.source, missing, {
    batchSize: options.batchSize ?? 32,
    transform,
  });
  const skippedBefore = loader.skipped.count;
  const pending = new PendingSegment(shard, dim);
  const flushRows = options.flushRows ?? 4096;
  let computed = 0;
  try {
    for await (const batch of embedBatches(options.model, loader)) {
      if (batch.dim !== dim) throw new Error(`model gave ${batch.dim}-d rows, expected ${dim}`);
      const picked: number[] = [];
      const keys: string[] = [];
      batch.samples.forEach((sample, k) => {
        const s = slotBySample.get(sample)!;
        values.set(batch.embeddings.subarray(k * dim, (k + 1) * dim), s * dim);
        filled[s] = 1;
        const key = slots.keys[s];
        if (key != null) {
          keys.push(key);
          picked.push(k);
        }
      });
      pending.add(batch.embeddings, batch.samples.length, picked, keys);
      computed += batch.samples.length;
      options.onProgress?.({ phase: 'embed', done: computed, total: missing.length });
      if (pending.count >= flushRows) await pending.flush();
    }
  } catch (err) {
    // Keep what was computed before the failure (best effort), then report the failure.
    await pending.flush().catch(() => {});
    throw err;
  }
  await pending.flush();
  const skipped = loader.skipped.count - skippedBefore;
  await shard.compactIfNeeded(options.maxSegments ?? 16);
  return { computed, skipped };
}

/** The rows in sample order; samples whose image was skipped are left out. */
function inSampleOrder(samples: readonly Sample[], rows: SlotRows): EmbeddingSet {
  const { slots, values, filled, dim } = rows;
  const ids: string[] = [];
  const labels: number[] = [];
  const keep: number[] = [];
  samples.forEach((sample, i) => {
    if (!filled[slots.of[i]!]) return;
    ids.push(sample.id);
    labels.push(sample.label);
    keep.push(slots.of[i]!);
  });
  let embeddings: Float32Array;
  if (keep.length === slots.keys.length && keep.every((s, i) => s === i)) embeddings = values;
  else {
    embeddings = new Float32Array(keep.length * dim);
    keep.forEach((s, i) => {
      embeddings.set(values.subarray(s * dim, (s + 1) * dim), i * dim);
    });
  }
  return { ids, labels: Int32Array.from(labels), embeddings, dim };
}

/**
 * Embeddings of `samples` in their order, computing only those whose content is not cached
 * under this configuration. Samples that fail to decode under skipBad are left out (see `ids`).
 */
export async function cachedEmbeddings(
  options: CachedEmbeddingsOptions,
): Promise<CachedEmbeddingSet> {
  const { model, config, samples } = options;
  const warn = options.onWarning ?? ((m: string) => console.warn(`visiontune: ${m}`));
  const dim = outputDim(model);
  const cropPct = options.cropPct ?? 0.875;
  const transform = options.preprocessing?.transform ?? evalTransform(config, { cropPct });
  const shard = await openShard(options, { dim, transform, cropPct, warn });
  const slots = assignSlots(samples, await contentKeys(options));
  const rows: SlotRows = {
    slots,
    values: new Float32Array(slots.keys.length * dim),
    filled: new Uint8Array(slots.keys.length),
    dim,
  };
  await shard.load(slots.byKey, rows.values, rows.filled);
  const fromCache = rows.filled.slice();
  const { computed, skipped } = await computeMissing(options, shard, transform, rows);
  let hits = 0;
  for (const s of slots.of) if (fromCache[s]) hits++;
  return {
    ...inSampleOrder(samples, rows),
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
