// Multi-kernel maximum mean discrepancy (DAN: Long et al., ICML 2015, "Learning Transferable
// Features with Deep Adaptation Networks"): the squared distance between the source and target
// feature means after mapping both into the RKHS of a bank of Gaussian kernels.
//
// Choices, stated once:
// - Kernels k_γ(a, b) = exp(−‖a − b‖² / γ) for γ = base · kernelMul^(i − ⌊kernelNum/2⌋),
//   i = 0..kernelNum−1 (defaults 2 and 5: base/4 … 4·base), summed with equal weights, as the
//   DAN reference code does instead of learning the kernel weights.
// - base = the median of the pairwise squared distances over the joint batch (median heuristic;
//   the reference code uses the mean, which a few outliers drag up). It is recomputed on every
//   batch but is a constant for the gradient: features must not be rewarded for moving the
//   bandwidth instead of the distributions. Fixed `bandwidths` skip it.
// - Biased (V-statistic) estimator mean(Kss) + mean(Ktt) − 2·mean(Kst): it keeps the diagonal,
//   so it is ≥ 0 and works for any batch sizes n, m ≥ 1 (the linear-time estimator of the paper
//   is noisier and needs n = m).
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';
import { constantOf } from './stop-gradient.js';

export interface MmdOptions {
  /** Ratio between neighbouring bandwidths. Default 2. */
  kernelMul?: number;
  /** Number of kernels, centred on the median bandwidth. Default 5. */
  kernelNum?: number;
  /** Fixed bandwidths γ (replace the median heuristic, kernelMul and kernelNum). */
  bandwidths?: readonly number[];
}

export const MMD_DEFAULTS = { kernelMul: 2, kernelNum: 5 } as const;

/** Below this the median is treated as this, so duplicate-heavy batches do not divide by 0. */
const MIN_BANDWIDTH = 1e-12;

/**
 * ‖x_i − x_j‖² for all rows, as ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j (memory N², not N²·d). The rows are
 * centred first: distances do not change, but the cancellation in the expansion gets smaller.
 */
export function pairwiseSquaredDistances(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, 0, true));
    const sq = tf.sum(tf.square(centred), 1, true); // [N, 1]
    const dot = tf.matMul(centred, centred, false, true);
    // Rounding can leave tiny negatives where the distance is 0.
    return tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(dot, 2))) as tf.Tensor2D;
  });
}

/** Flat indices i·N + j of the strict upper triangle (each unordered pair once). */
function upperTriangle(n: number): tf.Tensor1D {
  const idx = new Int32Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) idx[k++] = i * n + j;
  return tf.tensor1d(idx, 'int32');
}

/**
 * Median of the off-diagonal entries of a symmetric distance matrix [N, N] (N ≥ 2), with no
 * gradient. TopK on device instead of a sort in JS, so it needs no read back.
 */
export function medianPairwiseDistance(sqDist: tf.Tensor2D): tf.Scalar {
  const n = sqDist.shape[0];
  if (sqDist.rank !== 2 || sqDist.shape[1] !== n || n < 2) {
    throw badUsage(
      `medianPairwiseDistance: needs a square matrix of at least 2 rows (got ${JSON.stringify(sqDist.shape)})`,
    );
  }
  return constantOf(sqDist, (d) =>
    tf.tidy(() => {
      const pairs = tf.gather(tf.reshape(d, [-1]), upperTriangle(n));
      const count = pairs.shape[0]!;
      // Descending top ⌊M/2⌋+1: its last entry is the ⌈M/2⌉-th smallest value.
      const k = Math.floor(count / 2) + 1;
      const top = tf.topk(pairs, k).values;
      const last = tf.slice(top, [k - 1], [1]);
      const median = count % 2 === 1 ? last : tf.mean(tf.slice(top, [k - 2], [2]));
      return tf.reshape(median, []) as tf.Scalar;
    }),
  );
}

/** The bandwidths γ_i = base · kernelMul^(i − ⌊kernelNum/2⌋) as a [kernelNum] tensor. */
export function kernelBandwidths(
  base: tf.Scalar,
  kernelMul: number,
  kernelNum: number,
): tf.Tensor1D {
  const factors = Array.from(
    { length: kernelNum },
    (_, i) => kernelMul ** (i - Math.floor(kernelNum / 2)),
  );
  return tf.tidy(() => tf.mul(tf.maximum(base, MIN_BANDWIDTH), tf.tensor1d(factors)));
}

function checkOptions(options: MmdOptions): void {
  const { kernelMul, kernelNum, bandwidths } = options;
  if (kernelMul !== undefined && !(Number.isFinite(kernelMul) && kernelMul > 0)) {
    throw badUsage(`MMD kernelMul: must be > 0 (got ${kernelMul})`);
  }
  if (kernelNum !== undefined && !(Number.isInteger(kernelNum) && kernelNum >= 1)) {
    throw badUsage(`MMD kernelNum: must be a whole number >= 1 (got ${kernelNum})`);
  }
  if (bandwidths !== undefined) {
    if (bandwidths.length === 0 || !bandwidths.every((g) => Number.isFinite(g) && g > 0)) {
      throw badUsage(
        `MMD bandwidths: must be a non-empty list of numbers > 0 (got [${bandwidths}])`,
      );
    }
  }
}

/**
 * Multi-kernel MMD² between source features [n, d] and target features [m, d] (biased
 * estimator, kernels summed). Differentiable w.r.t. both; the median bandwidth is a constant.
 */
export function multiKernelMmd(
  source: tf.Tensor2D,
  target: tf.Tensor2D,
  options: MmdOptions = {},
): tf.Scalar {
  if (source.rank !== 2 || target.rank !== 2 || source.shape[1] !== target.shape[1]) {
    throw badUsage(
      `MMD: source ${JSON.stringify(source.shape)} and target ${JSON.stringify(target.shape)} must be [n, d] and [m, d]`,
    );
  }
  const n = source.shape[0];
  const m = target.shape[0];
  if (n < 1 || m < 1) throw badUsage('MMD: source and target need at least one sample each');
  checkOptions(options);
  const kernelMul = options.kernelMul ?? MMD_DEFAULTS.kernelMul;
  const kernelNum = options.kernelNum ?? MMD_DEFAULTS.kernelNum;
  return tf.tidy(() => {
    const dist = pairwiseSquaredDistances(tf.concat([source, target], 0));
    const gammas = options.bandwidths
      ? tf.tensor1d(options.bandwidths as number[])
      : kernelBandwidths(medianPairwiseDistance(dist), kernelMul, kernelNum);
    const k = gammas.shape[0];
    // Σ_i exp(−D / γ_i) over the kernel bank: [k, N, N] summed to [N, N].
    const kernel = tf.sum(
      tf.exp(tf.neg(tf.div(tf.expandDims(dist, 0), tf.reshape(gammas, [k, 1, 1])))),
      0,
    );
    const ss = tf.mean(tf.slice(kernel, [0, 0], [n, n]));
    const tt = tf.mean(tf.slice(kernel, [n, n], [m, m]));
    const st = tf.mean(tf.slice(kernel, [0, n], [n, m]));
    return tf.sub(tf.add(ss, tt), tf.mul(st, 2)) as tf.Scalar;
  });
}
