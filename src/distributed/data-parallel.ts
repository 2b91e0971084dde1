// What the training loop does as one rank of a data-parallel run, with DDP's semantics: every
// rank starts from rank 0's weights, trains on its shard of each global batch, and applies the
// same averaged gradient, so the weights stay identical on every rank without being sent again.
// Gradients are averaged by sample count (each rank's mean-loss gradient weighted by its batch
// size): for a mean loss that is exactly the gradient of the global batch, also at the end of an
// epoch where ranks hold unequal parts (or none).
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import type { Collectives } from './current.js';
import type { Shard } from './shard.js';

/** Refuses a training source that does not split its batches between the group's ranks. */
export function requireShardedSource(source: { shard?: Shard }, group: Collectives): void {
  if (source.shard?.size === group.size && source.shard.rank === group.rank) return;
  throw badUsage(
    `this training method does not split its data between processes yet; run it without --nproc (rank ${group.rank} of ${group.size})`,
  );
}

/** Sets every weight of `model` (trainable or not: BatchNorm statistics too) to rank 0's. */
export function syncWeights(group: Collectives, model: tf.LayersModel): void {
  const weights = model.weights.map((w) => w.read());
  const root = group.broadcast(weights);
  model.weights.forEach((w, i) => {
    w.write(root[i]!);
  });
  tf.dispose(root);
}

export interface ReducedStep {
  grads: tf.NamedTensorMap;
  /** The global batch's mean loss. */
  loss: number;
  /** Images in the global batch. */
  count: number;
  /** Whether some rank asked to stop (all ranks then stop before the next step). */
  stop: boolean;
}

/**
 * The global batch's mean loss and gradient from this rank's (`count` images; 0 with no batch
 * this step, when `grads` may be zeros): one bucketed all-reduce carries the gradients, the loss
 * and whether any rank was asked to stop. Disposes `grads`.
 */
export function reduceGradients(
  group: Collectives,
  grads: tf.NamedTensorMap,
  loss: number,
  count: number,
  askedToStop: boolean,
): ReducedStep {
  const names = Object.keys(grads);
  const weighted = tf.tidy(() => names.map((name) => grads[name]!.mul(count)));
  tf.dispose(grads);
  // A rank without images adds nothing; its loss may be NaN (a mean over none).
  const tally = tf.tensor1d([count > 0 ? loss * count : 0, count, askedToStop ? 1 : 0]);
  const summed = group.allReduceSum([...weighted, tally]);
  tf.dispose([...weighted, tally]);
  const last = summed.pop()!;
  const [lossSum, total, stops] = last.dataSync() as Float32Array;
  last.dispose();
  const mean = tf.tidy(() => summed.map((g) => g.div(Math.max(total!, 1))));
  tf.dispose(summed);
  return {
    grads: Object.fromEntries(names.map((name, i) => [name, mean[i]!])),
    loss: total! > 0 ? lossSum! / total! : Number.NaN,
    count: total!,
    stop: stops! > 0,
  };
}

/** Zero gradients for a step where this rank holds no images. */
export function zeroGradients(variables: readonly tf.Variable[]): tf.NamedTensorMap {
  return Object.fromEntries(variables.map((v) => [v.name, tf.zerosLike(v)]));
}
