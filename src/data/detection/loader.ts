// Batches of a detection data set: decoded with the project's decoder, boxes moved with the image
// by box ops (training) or letterboxed (evaluation, with the mapping back to the original image),
// normalized into one tensor. Like the classification loader: seeded per epoch and position, a
// bounded prefetch queue, the consumer disposes each batch's tensor. Unreadable images are an
// error naming the file unless `skipBad`, which leaves them out and counts them. Images to
// predict on (no annotation) are size-checked from their header first: refused above the pixel
// limit, then decoded at full size (letterboxing resamples in TS, the same code as the browser's).

import * as tf from '@tensorflow/tfjs';
import { type Shard, shardBatch, shardBatchCount, WHOLE } from '../../distributed/shard.js';
import { VisiontuneError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { ImageDecoder } from '../decode.js';
import { prefetched } from '../prefetch.js';
import { type NormalizeParams, normalizeInto, normalizeTable } from '../transforms/normalize.js';
import type { DecodedImage, SkipReport } from '../types.js';
import { recordSkip } from '../validate.js';
import { applyBoxOps, type BoxOp, type Letterbox } from './augment.js';
import { checkedImageSize } from './image-size.js';
import { letterboxInto } from './letterbox-input.js';
import type { BoxAnnotation, DetectionSample } from './types.js';

export interface DetectionBatch {
  x: tf.Tensor4D;
  /** Unused by detection (the loop's batch shape); empty. */
  labels: Int32Array;
  samples: DetectionSample[];
  /** Per image: its boxes on the network input. */
  boxes: BoxAnnotation[][];
  /** Per image, evaluation batches only: how input pixels map back to the original image. */
  letterboxes: Letterbox[];
  /** Per image: the decoded image's size. */
  sizes: { width: number; height: number }[];
}

export interface DetectionLoaderOptions extends NormalizeParams {
  size: number;
  batchSize: number;
  decoder: ImageDecoder;
  /** Training augmentation ending at size × size; without it, images are letterboxed. */
  ops?: readonly BoxOp[];
  shuffle?: boolean;
  seed?: number;
  prefetch?: number;
  skipBad?: boolean;
  /** This rank's part of each batch in a data-parallel run (distributed/shard.ts). */
  shard?: Shard;
}

export interface DetectionLoader {
  readonly numBatches: number;
  readonly shard: Shard;
  /** Each unreadable image once, however many epochs met it. */
  readonly skipped: SkipReport;
  epoch(index: number): AsyncIterable<DetectionBatch>;
}

/**
 * An image to predict on (no annotation): its size read from the header first, so one above the
 * pixel limit is refused before its pixels are allocated, then decoded at full size (letterboxing
 * resamples in TS, as the browser entry does). `bytes`: the image itself (a server's request),
 * else the file `id` is read.
 */
export async function decodeForPrediction(
  decoder: ImageDecoder,
  id: string,
  bytes?: Uint8Array,
): Promise<DecodedImage> {
  await checkedImageSize(id, bytes);
  return decoder.decode(bytes ?? id, id);
}

export function createDetectionLoader(
  samples: readonly DetectionSample[],
  options: DetectionLoaderOptions,
): DetectionLoader {
  const { size, batchSize, decoder } = options;
  const seed = options.seed ?? 0;
  const prefetch = options.prefetch ?? 2;
  const lut = normalizeTable(options);
  const pixels = size * size * 3;
  const shard = options.shard ?? WHOLE;
  const numBatches = shardBatchCount(samples.length, batchSize, shard);
  const skipped: SkipReport = { count: 0, examples: [] };
  const skippedIds = new Set<string>();

  async function prepare(sample: DetectionSample, rng: Rng, out: Float32Array, offset: number) {
    // A size of 0 means unknown (images to predict on, not from an annotation file): the header
    // tells it, so an image above the pixel limit is refused before its pixels are allocated.
    // Decoded at full size: letterboxing resamples in TS, as the browser entry does (web/).
    const known = sample.width > 0 && sample.height > 0;
    const image = known
      ? await decoder.decode(sample.id, sample.id)
      : await decodeForPrediction(decoder, sample.id);
    if (known && (image.width !== sample.width || image.height !== sample.height)) {
      throw new VisiontuneError(
        'BAD_INPUT',
        `${sample.id}: the image is ${image.width}x${image.height} but its annotation says ${sample.width}x${sample.height}`,
      );
    }
    const input = { image, boxes: sample.boxes };
    const size0 = { width: image.width, height: image.height };
    if (options.ops) {
      const result = applyBoxOps(options.ops, input, rng);
      if (result.image.width !== size || result.image.height !== size)
        throw new Error(
          `box ops produced ${result.image.width}x${result.image.height}, not ${size}`,
        );
      normalizeInto(result.image, lut, out, offset);
      return {
        boxes: result.boxes,
        letterbox: { scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
        size: size0,
      };
    }
    return { ...letterboxInto(input, size, lut, out, offset), size: size0 };
  }

  async function build(order: number[], b: number, epoch: number): Promise<DetectionBatch | null> {
    const taken = shardBatch(order, b, batchSize, shard);
    if (taken.length === 0) return null;
    const positions = taken.map((t) => t.index);
    const buffer = new Float32Array(positions.length * pixels);
    const results = await Promise.all(
      positions.map(async (index, k) => {
        const sample = samples[index];
        try {
          const rng = new Rng(seed).fork('aug', epoch, taken[k]!.position);
          return { sample, ...(await prepare(sample, rng, buffer, k * pixels)) };
        } catch (err) {
          if (!options.skipBad || !(err instanceof VisiontuneError)) throw err;
          if (!skippedIds.has(sample.id)) recordSkip(skipped, err.message);
          skippedIds.add(sample.id);
          return undefined;
        }
      }),
    );
    const kept = results.flatMap((r, k) => (r ? [{ ...r, k }] : []));
    if (kept.length === 0) return null;
    let data = buffer;
    if (kept.length < positions.length) {
      data = new Float32Array(kept.length * pixels);
      kept.forEach((r, w) => {
        data.set(buffer.subarray(r.k * pixels, (r.k + 1) * pixels), w * pixels);
      });
    }
    return {
      x: tf.tensor4d(data, [kept.length, size, size, 3]),
      labels: new Int32Array(0),
      samples: kept.map((r) => r.sample),
      boxes: kept.map((r) => r.boxes),
      letterboxes: kept.map((r) => r.letterbox),
      sizes: kept.map((r) => r.size),
    };
  }

  async function* run(epoch: number): AsyncGenerator<DetectionBatch> {
    const order = options.shuffle
      ? new Rng(seed).fork('order', epoch).permutation(samples.length)
      : samples.map((_, i) => i);
    yield* prefetched(
      numBatches,
      (b) => build(order, b, epoch),
      prefetch,
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
