// Training batches of a segmentation data set: each image decoded, its label map read, both moved
// by the same mask ops (ending at size × size), the image normalized into one tensor and the labels
// into one Int32Array [B × size × size] (the loss makes its tensor, so nothing else needs
// disposing). Seeded per epoch and position with a bounded prefetch queue, like the other loaders.
// Unreadable images or masks are an error naming the file unless `skipBad`, which leaves them out
// and counts each once.

import * as tf from '@tensorflow/tfjs';
import { type Shard, shardBatch, shardBatchCount, WHOLE } from '../../distributed/shard.js';
import { VisiontuneError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { ImageDecoder } from '../decode.js';
import { prefetched } from '../prefetch.js';
import { type NormalizeParams, normalizeInto, normalizeTable } from '../transforms/normalize.js';
import type { SkipReport } from '../types.js';
import { recordSkip } from '../validate.js';
import { applyMaskOps, type MaskOp } from './augment.js';
import { type MaskSource, sampleMask } from './sample-mask.js';
import type { SegmentationSample } from './types.js';

export interface SegmentationBatch {
  x: tf.Tensor4D;
  /** Class index per pixel, [B, size, size] row-major. */
  labels: Int32Array;
  samples: SegmentationSample[];
}

export interface SegmentationLoaderOptions extends NormalizeParams {
  size: number;
  batchSize: number;
  decoder: ImageDecoder;
  source: MaskSource;
  /** Augmentation ending at size × size (e.g. flip, randomScaleCropMasked(size), jitter). */
  ops: readonly MaskOp[];
  shuffle?: boolean;
  seed?: number;
  prefetch?: number;
  skipBad?: boolean;
  /** This rank's part of each batch in a data-parallel run (distributed/shard.ts). */
  shard?: Shard;
}

export interface SegmentationLoader {
  readonly numBatches: number;
  readonly shard: Shard;
  /** Each unreadable image or mask once, however many epochs met it. */
  readonly skipped: SkipReport;
  epoch(index: number): AsyncIterable<SegmentationBatch>;
}

export function createSegmentationLoader(
  samples: readonly SegmentationSample[],
  options: SegmentationLoaderOptions,
): SegmentationLoader {
  const { size, batchSize, decoder } = options;
  const seed = options.seed ?? 0;
  const lut = normalizeTable(options);
  const area = size * size;
  const shard = options.shard ?? WHOLE;
  const numBatches = shardBatchCount(samples.length, batchSize, shard);
  const skipped: SkipReport = { count: 0, examples: [] };
  const skippedIds = new Set<string>();

  async function prepare(sample: SegmentationSample, rng: Rng, x: Float32Array, y: Int32Array) {
    const image = await decoder.decode(sample.image, sample.image);
    const mask = await sampleMask(sample, options.source, image);
    const out = applyMaskOps(options.ops, { image, mask }, rng);
    if (out.image.width !== size || out.image.height !== size || out.mask.width !== size)
      throw new Error(`mask ops produced ${out.image.width}x${out.image.height}, not ${size}`);
    normalizeInto(out.image, lut, x, 0);
    y.set(out.mask.data);
  }

  async function build(order: number[], b: number, epoch: number) {
    const taken = shardBatch(order, b, batchSize, shard);
    if (taken.length === 0) return null;
    const positions = taken.map((t) => t.index);
    const x = new Float32Array(positions.length * area * 3);
    const y = new Int32Array(positions.length * area);
    const kept = await Promise.all(
      positions.map(async (index, k) => {
        const sample = samples[index];
        const rng = new Rng(seed).fork('aug', epoch, taken[k]!.position);
        try {
          await prepare(
            sample,
            rng,
            x.subarray(k * area * 3, (k + 1) * area * 3),
            y.subarray(k * area, (k + 1) * area),
          );
          return true;
        } catch (err) {
          if (!options.skipBad || !(err instanceof VisiontuneError)) throw err;
          if (!skippedIds.has(sample.image)) recordSkip(skipped, err.message);
          skippedIds.add(sample.image);
          return false;
        }
      }),
    );
    const keep = kept.flatMap((ok, k) => (ok ? [k] : []));
    if (keep.length === 0) return null;
    const pack = <T extends Float32Array | Int32Array>(
      data: T,
      per: number,
      make: (n: number) => T,
    ) => {
      if (keep.length === positions.length) return data;
      const packed = make(keep.length * per);
      keep.forEach((k, w) => {
        packed.set(data.subarray(k * per, (k + 1) * per), w * per);
      });
      return packed;
    };
    return {
      x: tf.tensor4d(
        pack(x, area * 3, (n) => new Float32Array(n)),
        [keep.length, size, size, 3],
      ),
      labels: pack(y, area, (n) => new Int32Array(n)),
      samples: keep.map((k) => samples[positions[k]]),
    };
  }

  async function* run(epoch: number): AsyncGenerator<SegmentationBatch> {
    const order = options.shuffle
      ? new Rng(seed).fork('order', epoch).permutation(samples.length)
      : samples.map((_, i) => i);
    yield* prefetched(
      numBatches,
      (b) => build(order, b, epoch),
      options.prefetch ?? 2,
      (batch) => batch.x.dispose(),
    );
  }

  return {
    numBatches,
    shard,
    skipped,
    epoch: (index) => ({ [Symbol.asyncIterator]: () => run(index) }),
  };
}
