// Gradient reversal layer (Ganin & Lempitsky, ICML 2015, "Unsupervised Domain Adaptation by
// Backpropagation"): the identity on the way forward, −λ·dy on the way back. Put between the
// feature extractor and the domain discriminator, one backward pass trains the discriminator to
// tell the domains apart and the features to make that impossible.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';

/** Identity forward; the gradient into `x` is exactly `−lambda · dy`. */
export function gradientReversal<T extends tf.Tensor>(x: T, lambda: number): T {
  if (!Number.isFinite(lambda)) {
    throw badUsage(`gradientReversal: lambda must be a finite number (got ${lambda})`);
  }
  const reverse = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, -lambda),
  }));
  return reverse(x) as T;
}
