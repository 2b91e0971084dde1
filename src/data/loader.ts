// Streams normalized batches from a source with a bounded prefetch queue. While the consumer
// holds batch i, at most batches i+1..i+prefetch are being decoded or waiting, so decoded images
// alive at once stay <= (prefetch + 1) * batchSize however large the dataset. Decodes go through
// one FIFO limiter (earlier batches first). Each sample's augmentation draws from
// Rng(seed).fork('aug', epoch, position), so results do not depend on prefetch timing.
// The consumer owns each batch's tensor and must dispose it.
import * as tf from '@tensorflow/tfjs';
import { type Shard, shardBatch, shardBatchCount, WHOLE } from '../distributed/shard.js';
import { VisiontuneError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { createLimiter } from './limit.js';
import { prefetched } from './prefetch.js';
import { epochOrder } from './sampler.js';
import type { Transform } from './transforms/types.js';
import type { Batch, DataSource, Sample, SkipReport } from './types.js';
import { recordSkip } from './validate.js';

export interface LoaderOptions {
  batchSize: number;
  transform: Transform;
  /** Shuffle each epoch (by seed and epoch); default false. */
  shuffle?: boolean;
  seed?: number;
  /** Batches decoded ahead of the one the consumer holds; default 2. */
  prefetch?: number;
  /** Images decoded at once; default 4. */
  concurrency?: number;
  /** Class-balanced sampling with replacement (weights ~ 1 / class count); default false. */
  balanced?: boolean;
  /** Drop the last incomplete batch; default false. */
  dropLast?: boolean;
  /** Skip images that fail to decode (counted in `skipped`); default: whether the source skips. */
  skipBad?: boolean;
  /**
   * This rank's part of each batch in a data-parallel run (distributed/shard.ts); batches then
   * hold up to batchSize images of a global batch of batchSize * shard.size. Default: all.
   */
  shard?: Shard;
}

export interface Loader extends AsyncIterable<Batch> {
  /** Batches per epoch (an upper bound when skipBad drops a whole batch). */
  readonly numBatches: number;
  /** Which part of each batch this process takes (all of it outside data-parallel runs). */
  readonly shard: Shard;
  readonly numSamples: number;
  /** Images skipped while decoding (shared with the source's report when it has one). */
  readonly skipped: SkipReport;
  /** One epoch's batches; iterating the loader itself runs epochs 0, 1, 2, ... in turn. */
  epoch(index: number): AsyncIterable<Batch>;
}

export function createLoader(
  source: DataSource,
  samples: readonly Sample[],
  options: LoaderOptions,
): Loader {
  const { batchSize, transform } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const prefetch = options.prefetch ?? 2;
  if (!(Number.isInteger(prefetch) && prefetch >= 0))
    throw new RangeError(`bad prefetch ${prefetch}`);
  const seed = options.seed ?? 0;
  const skipBad = options.skipBad ?? source.skipped !== undefined;
  const skipped: SkipReport = source.skipped ?? { count: 0, examples: [] };
  const limit = createLimiter(options.concurrency ?? 4);
  const n = samples.length;
  const shard = options.shard ?? WHOLE;
  const numBatches = shardBatchCount(n, batchSize, shard, options.dropLast);
  const pixels = transform.size * transform.size * 3;
  let nextEpoch = 0;

  async function buildBatch(order: number[], b: number, epoch: number): Promise<Batch | null> {
    // Augmentation draws by epoch position, so a rank's image is augmented as it would be alone.
    const taken = shardBatch(order, b, batchSize, shard);
    if (taken.length === 0) return null;
    const positions = taken.map((t) => t.index);
    const buffer = new Float32Array(positions.length * pixels);
    const ok = await Promise.all(
      taken.map(async ({ index, position }, k) => {
        const sample = samples[index]!;
        const rng = new Rng(seed).fork('aug', epoch, position);
        try {
          const img = await limit(() => source.read(sample, transform.decodeHint));
          transform.apply(img, rng, buffer, k * pixels);
          return true;
        } catch (err) {
          if (!skipBad || !(err instanceof VisiontuneError)) throw err;
          recordSkip(skipped, err.details[0] ?? `${sample.id}: ${err.message}`);
          return false;
        }
      }),
    );
    const kept = positions.filter((_, k) => ok[k]);
    if (kept.length === 0) return null;
    let data = buffer;
    if (kept.length < positions.length) {
      data = new Float32Array(kept.length * pixels);
      let w = 0;
      ok.forEach((good, k) => {
        if (good) data.set(buffer.subarray(k * pixels, (k + 1) * pixels), w++ * pixels);
      });
    }
    const batchSamples = kept.map((i) => samples[i]!);
    return {
      x: tf.tensor4d(data, [kept.length, transform.size, transform.size, 3], 'float32'),
      labels: Int32Array.from(batchSamples, (s) => s.label),
      samples: batchSamples,
    };
  }

  async function* run(epoch: number): AsyncGenerator<Batch> {
    const order = epochOrder(samples, {
      shuffle: options.shuffle === true,
      balanced: options.balanced === true,
      seed,
      epoch,
    });
    yield* prefetched(
      numBatches,
      (b) => buildBatch(order, b, epoch),
      prefetch,
      (batch) => batch.x.dispose(),
    );
  }

  return {
    numBatches,
    shard,
    numSamples: n,
    skipped,
    epoch: (index) => ({ [Symbol.asyncIterator]: () => run(index) }),
    [Symbol.asyncIterator]: () => run(nextEpoch++),
  };
}
