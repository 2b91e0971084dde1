// How a data-parallel run splits each epoch between its ranks, as PyTorch's DistributedSampler
// does: every rank draws the same epoch order (same seed and epoch), global batch b is positions
// [b*B*W, (b+1)*B*W) of it (B the per-rank batch size, W the world size), and rank r takes the
// positions r, r+W, r+2W, … of that window. So W ranks with batch B see, step by step, exactly
// the images one process sees with batch B*W — no padding, no duplicates. At the end of an epoch
// a rank may get fewer images; a last window of fewer than W images is dropped, so that every
// rank has at least one (synchronized BatchNorm needs each rank to run every step's forward).
import { currentGroup } from './current.js';

export interface Shard {
  rank: number;
  size: number;
}

export const WHOLE: Shard = { rank: 0, size: 1 };

/** This process's shard of training data: its rank in the run's group, or all of it. */
export function trainingShard(): Shard {
  const group = currentGroup();
  return group ? { rank: group.rank, size: group.size } : WHOLE;
}

/** Global batches per epoch of `n` samples: the same number on every rank. */
export function shardBatchCount(n: number, batchSize: number, shard: Shard, dropLast = false) {
  const window = batchSize * shard.size;
  const full = Math.floor(n / window);
  const rest = n - full * window;
  return dropLast || rest < shard.size ? full : full + 1;
}

/** The epoch-order positions of global batch `b` that `shard` takes (possibly none). */
export function shardBatchPositions(
  b: number,
  n: number,
  batchSize: number,
  shard: Shard,
): number[] {
  const start = b * batchSize * shard.size;
  const end = Math.min(n, start + batchSize * shard.size);
  const positions: number[] = [];
  for (let p = start + shard.rank; p < end; p += shard.size) positions.push(p);
  return positions;
}

/** The samples `shard` takes of global batch `b` of an epoch `order`, with their positions. */
export function shardBatch(
  order: readonly number[],
  b: number,
  batchSize: number,
  shard: Shard,
): { index: number; position: number }[] {
  return shardBatchPositions(b, order.length, batchSize, shard).map((position) => ({
    index: order[position]!,
    position,
  }));
}
