// The process's data-parallel group, if it is one rank of a run. Kept apart from
// process-group.ts (Node only: the native addon, v8 serialization) because code that also runs
// in the browser reads it: the loaders' sharding and BatchNorm's synchronized statistics.
import type * as tf from '@tensorflow/tfjs';

/** What a rank can do with the others (process-group.ts's ProcessGroup is one). */
export interface Collectives {
  readonly rank: number;
  readonly size: number;
  readonly isMain: boolean;
  /** Each tensor summed over the ranks (new tensors). */
  allReduceSum(tensors: readonly tf.Tensor[], bucketBytes?: number): tf.Tensor[];
  /** Rank `root`'s values of the tensors, on every rank (new tensors). */
  broadcast(tensors: readonly tf.Tensor[], root?: number, bucketBytes?: number): tf.Tensor[];
  barrier(): void;
  /** Rank 0's value of `produce()` on every rank (the others do not call it). */
  shareFromMain<T>(
    what: string,
    produce: () => T | Promise<T>,
    options?: { waitMs?: number },
  ): Promise<T>;
  /** Every rank's `value`, in rank order, on every rank. */
  allGather<T>(what: string, value: T): T[];
  /** Leaves the group. */
  destroy(): void;
}

/**
 * How long the other ranks wait for rank 0 alone (validating, evaluating, writing): long, since a
 * rank 0 that dies ends the wait at once (its store connection closes).
 */
export const WAIT_FOR_RANK_0_MS = 24 * 3600 * 1000;

let current: Collectives | undefined;

/** The group this process belongs to, if it is one rank of a data-parallel run. */
export function currentGroup(): Collectives | undefined {
  return current;
}

/** Sets (or clears) the current group: process-group.ts's joinGroup / leaveGroup. */
export function setCurrentGroup(group: Collectives | undefined): void {
  current = group;
}
