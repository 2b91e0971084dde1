// Batches that draw source and target together: each step takes the next source batch and the
// next target batch (the target loader restarts, reshuffled, whenever it runs out, so an epoch is
// one pass over the source whatever the domain sizes). The images travel as one tensor, source
// rows first, so the network runs once on both domains.
import * as tf from '@tensorflow/tfjs';
import type { Loader } from '../data/loader.js';
import type { Batch } from '../data/types.js';
import type { EpochSource, TrainBatch } from './loop.js';

export interface PairedBatch extends TrainBatch {
  /** [source; target; target strong view if any] along the batch axis. */
  x: tf.Tensor;
  /** Source labels (the first `sourceCount` rows of x). */
  labels: Int32Array;
  sourceCount: number;
  targetCount: number;
  /** Whether rows after the target hold a second (strongly augmented) view of the same images. */
  hasStrongView: boolean;
}

export interface PairedLoaderOptions {
  source: Loader;
  /** Absent for the source-only baseline: batches hold source images only. */
  target?: Loader;
  /** A second loader over the same target samples in the same order, another transform. */
  targetStrong?: Loader;
}

/** Cycles a loader's epochs forever: epoch k of the cycle is loader epoch base + k. */
async function* cycle(loader: Loader, base: number): AsyncGenerator<Batch> {
  for (let k = 0; ; k++) {
    let any = false;
    for await (const batch of loader.epoch(base + k)) {
      any = true;
      yield batch;
    }
    if (!any) return;
  }
}

export function pairedLoader(options: PairedLoaderOptions): EpochSource<PairedBatch> {
  const { source, target, targetStrong } = options;
  return {
    numBatches: source.numBatches,
    shard: source.shard,
    async *epoch(index: number) {
      if (!target) {
        for await (const s of source.epoch(index))
          yield { ...s, sourceCount: s.labels.length, targetCount: 0, hasStrongView: false };
        return;
      }
      // Target epochs are numbered past every earlier epoch's, so a resumed run sees the same
      // target batches as an uninterrupted one would when the target is no larger than the source.
      const base =
        index * Math.max(1, Math.ceil(source.numBatches / Math.max(1, target.numBatches)));
      const weak = cycle(target, base);
      const strong = targetStrong ? cycle(targetStrong, base) : undefined;
      try {
        for await (const s of source.epoch(index)) {
          const t = await weak.next();
          const u = strong ? await strong.next() : undefined;
          if (t.done || u?.done) {
            s.x.dispose();
            if (!t.done) t.value.x.dispose();
            return;
          }
          const parts = [s.x, t.value.x, ...(u ? [u.value.x] : [])];
          const x = tf.concat(parts, 0) as tf.Tensor4D;
          tf.dispose(parts);
          yield {
            x,
            labels: s.labels,
            samples: s.samples,
            sourceCount: s.labels.length,
            targetCount: t.value.labels.length,
            hasStrongView: u !== undefined,
          };
        }
      } finally {
        await weak.return(undefined);
        await strong?.return(undefined);
      }
    },
  };
}
