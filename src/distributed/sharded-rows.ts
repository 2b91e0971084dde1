// Per-sample work split between the ranks of a data-parallel run (validation): each rank computes
// a contiguous part of the samples, and every rank gets all rows back, in sample order, so each
// computes the same metrics from them. Outside a data-parallel run, the work itself.
import { currentGroup } from './current.js';

/**
 * `rowsOf(samples)` — a Float32Array of equal-length rows, one per sample — computed by the ranks
 * together.
 */
export async function shardedRows<S>(
  samples: readonly S[],
  rowsOf: (part: readonly S[]) => Promise<Float32Array>,
): Promise<Float32Array> {
  const group = currentGroup();
  if (!group) return rowsOf(samples);
  const per = Math.ceil(samples.length / group.size);
  const mine = samples.slice(group.rank * per, (group.rank + 1) * per);
  const parts = group.allGather('rows', mine.length ? await rowsOf(mine) : new Float32Array(0));
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}
