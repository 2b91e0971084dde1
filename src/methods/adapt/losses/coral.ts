// Deep CORAL (Sun & Saenko, ECCV 2016 workshops, "Deep CORAL: Correlation Alignment for Deep
// Domain Adaptation"): align the second-order statistics of source and target features,
//   ℓ = ‖C_s − C_t‖²_F / (4d²),
// C = unbiased covariance (n − 1 denominator) of a batch of d-dimensional features. Means are
// removed, so a pure shift between the domains costs nothing: CORAL only sees covariances.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';

/** Unbiased covariance [d, d] of features [n, d], n ≥ 2 (centred first, for accuracy). */
export function covariance(x: tf.Tensor2D): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[0] < 2) {
    throw badUsage(
      `covariance: needs features [n, d] with n >= 2 (got ${JSON.stringify(x.shape)})`,
    );
  }
  const n = x.shape[0];
  return tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, 0, true));
    return tf.div(tf.matMul(centred, centred, true, false), n - 1) as tf.Tensor2D;
  });
}

/** CORAL loss between source features [n, d] and target features [m, d] (n, m ≥ 2). */
export function coralLoss(source: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  if (source.rank !== 2 || target.rank !== 2 || source.shape[1] !== target.shape[1]) {
    throw badUsage(
      `CORAL: source ${JSON.stringify(source.shape)} and target ${JSON.stringify(target.shape)} must be [n, d] and [m, d]`,
    );
  }
  const d = source.shape[1];
  return tf.tidy(
    () =>
      tf.div(
        tf.sum(tf.square(tf.sub(covariance(source), covariance(target)))),
        4 * d * d,
      ) as tf.Scalar,
  );
}
