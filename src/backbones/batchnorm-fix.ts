// tfjs-layers 4.22 crashes when a BatchNormalization built with `scale: false` (or
// `center: false`) runs in training mode: it calls `this.gamma.read()` on a weight that was never
// created (tensorflow/tfjs#2868). Keras InceptionV3 builds every BatchNorm that way, so
// fine-tuning it would fail. This subclass gives the training path constant ones / zeros in
// place of the missing weights (no new trainable weights), and replaces the registered class so
// every deserialized model (registry, user models, bundles) gets it.
// It also gives frozen BatchNorm Keras (TF2) semantics: tfjs-layers ignores `trainable` in
// BatchNormalization.call, so a frozen layer applied with `training: true` would normalize with
// batch statistics and overwrite its moving averages. A layer with `trainable = false` runs in
// inference mode here. Layers built in code get this class through `batchNormalization()`.
// A layer marked by `freezeStatistics` (BitFit: gamma and beta train) also runs in inference mode.
import * as tf from '@tensorflow/tfjs';
import { syncBatchNormGroup, syncedBatchNorm } from '../distributed/sync-batchnorm.js';
import { fusedBatchNormTraining } from '../engine/fused-ops.js';

type Weight = { read(): tf.Tensor };
type Variable = Weight & { write(value: tf.Tensor): void };
interface BatchNormState {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: Weight;
  beta: Weight;
  movingMean: Variable;
  movingVariance: Variable;
}

const BatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as {
  new (args: object): tf.layers.Layer;
  className: string;
};

type Kwargs = Record<string, unknown>;

/** BatchNorms whose moving statistics stay fixed while the layer trains (its gamma and beta). */
const fixedStatistics = new WeakSet<tf.layers.Layer>();

/**
 * `layer` normalizes with its moving statistics and never updates them, even when it trains and
 * is applied with `training: true` (BitFit trains only gamma and beta on pretrained statistics).
 */
export function freezeStatistics(layer: tf.layers.Layer): void {
  fixedStatistics.add(layer);
}

class BatchNormalizationTrainable extends BatchNormalization {
  static override className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    // Frozen: moving statistics, no updates (as Keras >= 2.1.3 / TF2 does for trainable = false).
    if ((!this.trainable || fixedStatistics.has(this)) && kwargs?.training)
      return super.call(inputs, { ...kwargs, training: false });
    if (kwargs?.training) {
      const fused = this.fusedTrainingCall(Array.isArray(inputs) ? inputs[0]! : inputs);
      if (fused) return fused;
    }
    return super.call(inputs, kwargs);
  }

  /**
   * Training mode as tfjs-layers computes it (normalize with the biased batch statistics, move
   * the averages by `momentum`), but as one fused kernel where the backend has it — or, with
   * synchronized BatchNorm, with the global batch's statistics on any backend.
   */
  private fusedTrainingCall(x: tf.Tensor): tf.Tensor | undefined {
    const self = this as unknown as BatchNormState;
    if (self.axis !== -1 && self.axis !== x.rank - 1) return undefined;
    // In a data-parallel run with --sync-bn: the statistics of every rank's images.
    const group = syncBatchNormGroup();
    return tf.tidy(() => {
      const gamma = self.gamma.read() as tf.Tensor1D;
      const beta = self.beta.read() as tf.Tensor1D;
      const fused = group
        ? syncedBatchNorm(group, x, gamma, beta, self.epsilon)
        : fusedBatchNormTraining(x, gamma, beta, self.epsilon);
      if (!fused) return undefined;
      const decay = 1 - self.momentum;
      for (const [average, batch] of [
        [self.movingMean, fused.mean],
        [self.movingVariance, fused.variance],
      ] as const) {
        tf.tidy(() => {
          const old = average.read();
          average.write(tf.sub(old, tf.mul(tf.sub(old, batch), decay)));
        });
      }
      return fused.y;
    });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    super.build(inputShape);
    const self = this as unknown as {
      scale: boolean;
      center: boolean;
      axis: number;
      gamma?: Weight;
      beta?: Weight;
    };
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape.at(self.axis) as number;
    // Constants, not null: the gradient tape saves every input of the batch-norm kernel.
    if (!self.scale) self.gamma = { read: () => tf.ones([channels]) };
    if (!self.center) self.beta = { read: () => tf.zeros([channels]) };
  }
}

tf.serialization.registerClass(
  BatchNormalizationTrainable as unknown as Parameters<typeof tf.serialization.registerClass>[0],
);

/** tf.layers.batchNormalization with this file's fixes; for bodies built in code. */
export function batchNormalization(
  args: Parameters<typeof tf.layers.batchNormalization>[0] = {},
): tf.layers.Layer {
  return new BatchNormalizationTrainable(args);
}

/** Whether a frozen `layer` (if a BatchNorm) runs in inference mode when training. */
export function freezesToInference(layer: tf.layers.Layer): boolean {
  return (
    layer.getClassName() !== 'BatchNormalization' || layer instanceof BatchNormalizationTrainable
  );
}
