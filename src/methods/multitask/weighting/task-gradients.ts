// Each task's own gradient from ONE forward pass: what PCGrad needs, at the paper's cost (one
// forward, K backward passes) rather than K whole steps. The forward runs under an outer gradient
// tape; each task's term is then differentiated by a nested `gradients` call, which (as for
// higher-order gradients) reuses the outer tape instead of starting its own, so it backpropagates
// through the one recorded forward. A forward pass per task would also move BatchNorm's running
// statistics K times a step and draw K different dropout masks.
// Costs: the tape also records the K backward passes (as for higher-order gradients), so their
// intermediates live until the step ends. With synchronized BatchNorm every rank must run the
// same backward passes (each all-reduces): a task's loss must stay connected to the network on a
// batch without its labels (a masked mean, 0·Σ, not a constant 0), as it must on every rank.
import * as tf from '@tensorflow/tfjs';

export interface PerTaskGradients {
  /** Σ_k terms[k]: the batch's objective. */
  value: tf.Scalar;
  /**
   * Gradient of each task's term, keyed by core variable name; a variable the term does not
   * depend on (another task's head) has no entry.
   */
  perTask: tf.NamedTensorMap[];
}

export function perTaskGradients(
  terms: () => tf.Scalar[],
  variables: readonly tf.Variable[],
): PerTaskGradients {
  const engine = tf.engine();
  const perTask: tf.NamedTensorMap[] = [];
  // The outer tape only records: nothing connects this to the objective, so its own backward
  // pass has nothing to do.
  const unconnected = tf.scalar(0);
  try {
    const { value } = engine.gradients(
      () => {
        const ts = terms();
        for (const t of ts) {
          const { grads } = engine.gradients(() => t, [...variables], undefined, true);
          const named: tf.NamedTensorMap = {};
          variables.forEach((v, i) => {
            const g = grads[i];
            if (g) named[v.name] = tf.keep(g);
          });
          perTask.push(named);
        }
        return tf.addN(ts);
      },
      [unconnected],
      undefined,
      true,
    );
    return { value, perTask };
  } catch (err) {
    tf.dispose(perTask);
    throw err;
  } finally {
    unconnected.dispose();
  }
}
