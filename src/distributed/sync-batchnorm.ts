// Synchronized BatchNorm (`--sync-bn`, PyTorch's SyncBatchNorm): in training mode, the batch
// statistics are those of the global batch (every rank's images), so W ranks with batch B
// normalize as one process with batch B*W does. Forward: one all-reduce of the per-channel sums
// of x and x² and of the element counts. Backward: one all-reduce of the per-channel sums of dy
// and dy·x̂, each weighted by the rank's share of the global batch n_r/N — the loop averages
// gradients by the same shares (data-parallel.ts), so the result is the gradient of the global
// batch's mean loss, also when ranks hold unequal parts.
import * as tf from '@tensorflow/tfjs';
import { type Collectives, currentGroup } from './current.js';

let enabled = false;

/** Turns synchronized BatchNorm on for this process's training (a worker with --sync-bn). */
export function enableSyncBatchNorm(on: boolean): void {
  enabled = on;
}

/** The group to synchronize BatchNorm over, when synchronized BatchNorm is on. */
export function syncBatchNormGroup(): Collectives | undefined {
  return enabled ? currentGroup() : undefined;
}

export interface SyncedBatchNorm {
  y: tf.Tensor;
  /** The global batch's per-channel mean and biased variance (for the moving averages). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Training-mode batch norm over the last axis with the global batch's statistics. */
export function syncedBatchNorm(
  group: Collectives,
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): SyncedBatchNorm {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const perChannel = x.size / (x.shape.at(-1) as number);
  const batch = x.shape[0] as number;
  const [sum, squares, counts] = tf.tidy(() =>
    group.allReduceSum([x.sum(axes), x.square().sum(axes), tf.tensor1d([perChannel, batch])]),
  );
  const [elements, images] = counts!.dataSync() as Float32Array;
  counts!.dispose();
  const share = batch / images!;
  const mean = sum!.div(elements!) as tf.Tensor1D;
  // E[x²] - E[x]², clipped at 0 against rounding.
  const variance = tf.tidy(() => squares!.div(elements!).sub(mean.square()).relu()) as tf.Tensor1D;
  tf.dispose([sum!, squares!]);
  const invstd = tf.tidy(() => variance.add(epsilon).rsqrt()) as tf.Tensor1D;
  const normalize = tf.customGrad((...args: unknown[]) => {
    const [xs, g, b, m, s] = args as tf.Tensor[];
    const save = args[5] as (tensors: tf.Tensor[]) => void;
    save([xs!, g!, m!, s!]);
    return {
      value: xs!.sub(m!).mul(s!).mul(g!).add(b!),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, gSaved, mSaved, sSaved] = saved as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        const xhat = xSaved.sub(mSaved).mul(sSaved);
        const dbeta = dy.sum(axes);
        const dgamma = dy.mul(xhat).sum(axes);
        const [dySum, dyXhatSum] = group.allReduceSum([dbeta.mul(share), dgamma.mul(share)]);
        // dx in this rank's own loss units (the loop weights them by `share` afterwards).
        const scale = elements! * share;
        const dx = gSaved
          .mul(sSaved)
          .mul(dy.sub(dySum!.div(scale)).sub(xhat.mul(dyXhatSum!.div(scale))));
        return [dx, dgamma, dbeta, tf.zerosLike(mSaved), tf.zerosLike(sSaved)];
      },
    };
  });
  const y = (normalize as (...t: tf.Tensor[]) => tf.Tensor)(x, gamma, beta, mean, invstd);
  invstd.dispose();
  return { y, mean, variance };
}
