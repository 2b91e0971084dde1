// The linear probe's feature cache: pooled embeddings on disk, so a second run (another head,
// another learning rate) skips extraction, and only new or changed images go through the model.
//
// Keys. A shard holds one embedding configuration: backbone identity + weight fingerprint +
// embedding layer + input size + preprocessing (its folder is the sha256 of that, as canonical
// JSON). Inside a shard, a row's key is the image's content: sha256 of the file bytes, or the
// source's `contentKey` (built-in datasets). Labels and ids are not in any key: relabelling or
// moving a file keeps its features; the labels returned are always the caller's.
//
// Storage: embedding-shard.ts.
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
    version: CACHE_FORMAT_VERSION,
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
