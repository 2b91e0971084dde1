// The FCOS losses (Tian et al. 2019): sigmoid focal loss for classes (Lin et al. 2017, α 0.25,
// γ 2) summed over locations and classes and divided by the number of positive locations; GIoU
// loss (Rezatofighi et al. 2019) between predicted and target (l, t, r, b) distances at the same
// location, weighted by the centre-ness target; binary cross-entropy for centre-ness.
import * as tf from '@tensorflow/tfjs';

/**
 * Σ −α_t (1 − p_t)^γ log p_t over all entries of `logits` [N, C] against one-hot `targets`,
 * computed from logits (log p = −softplus(−x)) so large logits cannot overflow.
 */
export function sigmoidFocalLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: { alpha?: number; gamma?: number } = {},
): tf.Scalar {
  const alpha = options.alpha ?? 0.25;
  const gamma = options.gamma ?? 2;
  return tf.tidy(() => {
    const logP = tf.neg(tf.softplus(tf.neg(logits)));
    const log1mP = tf.neg(tf.softplus(logits));
    const p = tf.sigmoid(logits);
    const pos = tf.mul(tf.mul(-alpha, tf.pow(tf.sub(1, p), gamma)), logP);
    const neg = tf.mul(tf.mul(-(1 - alpha), tf.pow(p, gamma)), log1mP);
    return tf.sum(tf.add(tf.mul(targets, pos), tf.mul(tf.sub(1, targets), neg))) as tf.Scalar;
  });
}

/** Per-row GIoU of boxes given as (l, t, r, b) distances from the same point: [N, 4] each. */
export function giouFromDistances(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [pl, pt, pr, pb] = tf.unstack(pred, 1);
    const [tl, tt, trr, tb] = tf.unstack(target, 1);
    const predArea = tf.mul(tf.add(pl, pr), tf.add(pt, pb));
    const targetArea = tf.mul(tf.add(tl, trr), tf.add(tt, tb));
    const inter = tf.mul(
      tf.add(tf.minimum(pl, tl), tf.minimum(pr, trr)),
      tf.add(tf.minimum(pt, tt), tf.minimum(pb, tb)),
    );
    const union = tf.sub(tf.add(predArea, targetArea), inter);
    const enclosing = tf.mul(
      tf.add(tf.maximum(pl, tl), tf.maximum(pr, trr)),
      tf.add(tf.maximum(pt, tt), tf.maximum(pb, tb)),
    );
    const iou = tf.div(inter, tf.maximum(union, 1e-9));
    return tf.sub(
      iou,
      tf.div(tf.sub(enclosing, union), tf.maximum(enclosing, 1e-9)),
    ) as tf.Tensor1D;
  });
}

/** Σ weight · (1 − GIoU) / Σ weight: FCOS weights each positive location by its centre-ness. */
export function giouLoss(pred: tf.Tensor2D, target: tf.Tensor2D, weight: tf.Tensor1D): tf.Scalar {
  return tf.tidy(
    () =>
      tf.div(
        tf.sum(tf.mul(tf.sub(1, giouFromDistances(pred, target)), weight)),
        tf.maximum(tf.sum(weight), 1e-9),
      ) as tf.Scalar,
  );
}

/**
 * Mean binary cross-entropy of centre-ness logits against their targets, from logits; with
 * `mask` (1 for the locations that count, 0 elsewhere), the mean over the masked locations.
 */
export function centernessLoss(
  logits: tf.Tensor1D,
  targets: tf.Tensor1D,
  mask?: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const bce = tf.add(
      tf.mul(targets, tf.softplus(tf.neg(logits))),
      tf.mul(tf.sub(1, targets), tf.softplus(logits)),
    );
    if (!mask) return tf.mean(bce) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(bce, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
