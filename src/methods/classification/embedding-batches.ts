// Batches over embeddings held in memory, for training heads on a frozen backbone's features:
// shuffled by (seed, epoch) so an epoch's batches depend only on its index, as the loop's
// resume contract needs.
import * as tf from '@tensorflow/tfjs';
import {
  type Shard,
  shardBatchCount,
  shardBatchPositions,
  WHOLE,
} from '../../distributed/shard.js';
import type { EpochSource, TrainBatch } from '../../train/loop.js';
import { Rng } from '../../util/rng.js';
import type { EmbeddingSet } from '../embed.js';

export function embeddingBatches(
  set: EmbeddingSet,
  options: { batchSize: number; seed: number; shuffle?: boolean; shard?: Shard },
): EpochSource<TrainBatch> {
  const n = set.labels.length;
  const { batchSize, seed } = options;
  const shard = options.shard ?? WHOLE;
  const numBatches = shardBatchCount(n, batchSize, shard);
  return {
    numBatches,
    shard,
    async *epoch(index: number) {
      const order =
        options.shuffle === false
          ? [...Array(n).keys()]
          : new Rng(seed).fork('embedding-epoch', index).permutation(n);
      for (let b = 0; b < numBatches; b++) {
        const rows = shardBatchPositions(b, n, batchSize, shard).map((p) => order[p]!);
        if (rows.length === 0) continue;
        const x = new Float32Array(rows.length * set.dim);
        rows.forEach((r, k) => {
          x.set(set.embeddings.subarray(r * set.dim, (r + 1) * set.dim), k * set.dim);
        });
        yield {
          x: tf.tensor2d(x, [rows.length, set.dim]),
          labels: Int32Array.from(rows, (r) => set.labels[r]),
          samples: rows.map((r) => set.ids[r]),
        };
      }
    },
  };
}
