// Constants computed from live tensors. tfjs has no stop_gradient, but ops run inside a
// customGrad forward pass are not recorded on the gradient tape, so wrapping a computation in one
// whose gradient is zero makes its result a constant for tf.grad, even if it uses ops that have
// no gradient at all (TopK for the MMD median heuristic).
import * as tf from '@tensorflow/tfjs';

/**
 * `fn(x)`, treated as a constant: the gradient reaching `x` through it is 0. The result is a new
 * tensor; the caller owns it (or an enclosing tf.tidy does).
 */
export function constantOf<T extends tf.Tensor>(x: tf.Tensor, fn: (x: tf.Tensor) => T): T {
  // customGrad passes its save function after the inputs, hence the union in the signature.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return { value: fn(input), gradFunc: () => tf.zerosLike(input) };
  });
  return f(x) as T;
}

/** The same values as `x`, with no gradient flowing back into `x` (torch's `.detach()`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return constantOf(x, (input) => tf.clone(input)) as T;
}
