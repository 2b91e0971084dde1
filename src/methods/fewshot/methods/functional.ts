// Running a layers model with substitute weights ("functional weights"): tfjs-layers layers read
// their weights through `LayerVariable.read()` at call time (Dense, Conv2D, DepthwiseConv2D,
// and BatchNormalization's gamma / beta / moving statistics, ours in backbones/batchnorm-fix.ts
// included), so overriding `read` on those objects for the length of one call makes a forward
// pass use any tensors — in particular ones that are functions of other tensors on the gradient
// tape, which is what second-order MAML needs (θ' = θ − α∇L(θ) as a tensor, not a variable).
// Writes still go to the real variables: BatchNorm in training mode moves its real moving
// averages, which callers that must leave weights untouched snapshot (see `snapshotWeights`).
import * as tf from '@tensorflow/tfjs';
/** A layers-model weight (tfjs-layers' LayerVariable). */
export type LayerVariable = tf.LayersModel['trainableWeights'][number];
type Readable = { read(): tf.Tensor };

/**
 * Runs `fn` with `weights[i].read()` returning `values[i]`, then puts the reads back — also when
 * `fn` throws. Shapes must match: a layer would otherwise fail deep inside with a vaguer message.
 */
export function withWeights<T>(
  weights: readonly LayerVariable[],
  values: readonly tf.Tensor[],
  fn: () => T,
): T {
  if (weights.length !== values.length)
    throw new Error(`withWeights: ${weights.length} weights but ${values.length} values`);
  const saved: { target: Readable; own: PropertyDescriptor | undefined }[] = [];
  try {
    weights.forEach((w, i) => {
      const value = values[i]!;
      if (!tf.util.arraysEqual(w.shape as number[], value.shape))
        throw new Error(`withWeights: ${w.name} is [${w.shape}], value is [${value.shape}]`);
      const target = w as unknown as Readable;
      // An own property would be an enclosing override (nested calls): put that one back.
      saved.push({ target, own: Object.getOwnPropertyDescriptor(target, 'read') });
      Object.defineProperty(target, 'read', { value: () => value, configurable: true });
    });
    return fn();
  } finally {
    for (const { target, own } of saved.reverse()) {
      if (own) Object.defineProperty(target, 'read', own);
      else delete (target as Partial<Readable>).read;
    }
  }
}

/** The tf.Variables behind layer weights (what optimizers and snapshots act on). */
export function variablesOf(weights: readonly LayerVariable[]): tf.Variable[] {
  return weights.map((w) => w.read() as tf.Variable);
}

/** Copies of the variables' values, and a function that writes them back and frees the copies. */
export function snapshotWeights(variables: readonly tf.Variable[]): () => void {
  const copies = variables.map((v) => tf.clone(v));
  return () => {
    variables.forEach((v, i) => {
      v.assign(copies[i]!);
    });
    tf.dispose(copies);
  };
}

/**
 * `f(...xs)` and its gradients with respect to `xs`, zeros for any x that `f` does not use
 * (tf.grads throws there). Inside another gradient scope the ops are taped, so the gradients can
 * be differentiated again (second-order MAML).
 */
export function valueAndGradients(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: readonly tf.Tensor[],
): { value: tf.Scalar; grads: tf.Tensor[] } {
  return tf.tidy(() => {
    const { value, grads } = tf.engine().gradients(() => f(...xs), [...xs], undefined, true);
    return { value, grads: xs.map((x, i) => grads[i] ?? tf.zerosLike(x)) };
  });
}

export function gradientsOf(f: (...xs: tf.Tensor[]) => tf.Scalar, xs: readonly tf.Tensor[]) {
  const { value, grads } = valueAndGradients(f, xs);
  value.dispose();
  return grads;
}
