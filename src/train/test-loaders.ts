// Test support: a Loader over fixed in-memory batches of [n, 2, 2, 3] pixels, so loops and
// statistics can be checked against plain-number references. Tests only.
import * as tf from '@tensorflow/tfjs';
import type { Loader } from '../data/loader.js';
import type { Batch } from '../data/types.js';
import { WHOLE } from '../distributed/shard.js';

const PIXELS = 12;

/** Epoch e yields the batches in order; `label` marks each image (epoch·1000 + batch·10 + k). */
export function fixedLoader(batches: Float32Array[]): Loader {
  const make = (data: Float32Array, epoch: number, b: number): Batch => {
    const n = data.length / PIXELS;
    return {
      x: tf.tensor4d(data, [n, 2, 2, 3]),
      labels: Int32Array.from({ length: n }, (_, k) => epoch * 1000 + b * 10 + k),
      samples: Array.from({ length: n }, (_, k) => ({ id: `e${epoch}b${b}k${k}`, label: 0 })),
    };
  };
  return {
    numBatches: batches.length,
    shard: WHOLE,
    numSamples: batches.reduce((n, b) => n + b.length / PIXELS, 0),
    skipped: { count: 0, examples: [] },
    async *epoch(index: number) {
      for (const [b, data] of batches.entries()) yield make(data, index, b);
    },
    [Symbol.asyncIterator]() {
      return this.epoch(0)[Symbol.asyncIterator]();
    },
  };
}

/** `count` batches of `size` images whose every pixel value is `fill(batch)`. */
export function constantBatches(count: number, size: number, fill: (b: number) => number) {
  return Array.from({ length: count }, (_, b) => new Float32Array(size * PIXELS).fill(fill(b)));
}
