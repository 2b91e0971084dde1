// Training ops that a backend may run as one fused kernel where tfjs composes them from many
// full-size elementwise passes: batch norm with batch statistics (tf.moments + tf.batchNorm, about
// a dozen ops forward and backward) and the Relu / Relu6 gradients (3-5 ops each). A backend opts
// in by registering the kernels named here (the torch engine does); on every other backend the
// callers keep tfjs's stock composition, so results there are unchanged.
import * as tf from '@tensorflow/tfjs';

/** Inputs x, scale, offset; attr epsilon → [y, mean, variance (biased), invstd]. */
export const BATCH_NORM_TRAINING = 'VisiontuneBatchNormTraining';
/** Inputs dy, x, scale, mean, invstd; attr epsilon → [dx, dscale, doffset]. */
export const BATCH_NORM_TRAINING_GRAD = 'VisiontuneBatchNormTrainingGrad';
/** Inputs dy, x; attr max → dy * (0 < x <= max), NaN where x is NaN (as tfjs's gradients). */
export const RELU_GRAD = 'VisiontuneReluGrad';

/** Whether the active backend registers `kernelName` (custom kernels are opt-in per backend). */
export function onCurrentBackend(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

export interface BatchStatistics {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Batch norm of `x` over all axes but the last with its own batch statistics, differentiable
 * through them, as one kernel; undefined when the current backend has no such kernel.
 */
export function fusedBatchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
): BatchStatistics | undefined {
  if (!onCurrentBackend(BATCH_NORM_TRAINING)) return undefined;
  const [y, mean, variance, invstd] = tf
    .engine()
    .runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon }) as tf.Tensor[];
  invstd!.dispose(); // the gradient tape keeps its own reference
  return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

let installed = false;

/**
 * Registers the gradient of the fused batch norm and routes the Relu / Relu6 gradients to the
 * fused kernel on backends that have it (stock gradients elsewhere). Idempotent.
 */
export function installFusedGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAINING,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [false, true, false, true],
    // Only y carries a gradient: mean and variance feed the moving averages, not the loss.
    gradFunc: (dys, saved, attrs) => {
      const [x, scale, mean, invstd] = saved;
      const dy = (dys as tf.Tensor[])[0];
      const [dx, dscale, doffset] = tf
        .engine()
        .runKernel(
          BATCH_NORM_TRAINING_GRAD,
          { dy: dy!, x: x!, scale: scale!, mean: mean!, invstd: invstd! },
          attrs as tf.NamedAttrMap,
        ) as tf.Tensor[];
      return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
    },
  });
  for (const [kernelName, max] of [
    ['Relu', Number.POSITIVE_INFINITY],
    ['Relu6', 6],
  ] as const) {
    const stock = tf.getGradient(kernelName);
    if (!stock) throw new Error(`tfjs has no gradient for ${kernelName}`);
    tf.registerGradient({
      ...stock,
      gradFunc: (dy, saved, attrs) => {
        if (!onCurrentBackend(RELU_GRAD)) return stock.gradFunc(dy, saved, attrs);
        const x = saved[0]!;
        const grad = () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }, { max });
        return { x: grad as () => tf.Tensor };
      },
    });
  }
}
