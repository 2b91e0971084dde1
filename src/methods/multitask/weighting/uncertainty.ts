// Uncertainty weighting (Kendall, Gal, Cipolla 2018, "Multi-Task Learning Using Uncertainty to
// Weigh Losses for Scene Geometry and Semantics"): each task's loss is scaled by a learned
// homoscedastic uncertainty, objective = Σ_k exp(−s_k)·L_k + s_k with s_k = log σ_k² trained with
// the network. This is the common simplified form (as in the authors' later code and most
// re-implementations): the paper's factors (½ for regression, 1 for classification, and ½·s_k)
// only rescale the objective per kind, and with s_k = log σ_k² the weight exp(−s_k) = 1/σ_k²
// stays positive and the + s_k term keeps σ from growing without bound. At the optimum
// exp(−s_k) = 1/L_k: a task whose loss stays high is weighted down.
// The s_k live in a layer (log-variance-layer.ts) that `attach` adds to the training model, so
// the optimizer trains them and checkpoints restore them; nothing else is kept.
import * as tf from '@tensorflow/tfjs';
import { LOG_VARIANCE_LAYER, TaskLogVariance } from './log-variance-layer.js';
import { checkLossCount, type TaskWeighting } from './types.js';

export class UncertaintyWeighting implements TaskWeighting {
  readonly kind = 'uncertainty';
  private readonly layer: TaskLogVariance;
  private attachedTo?: tf.LayersModel;

  constructor(readonly tasks: readonly string[]) {
    this.layer = new TaskLogVariance({ tasks: tasks.length, name: LOG_VARIANCE_LAYER });
  }

  /** `model` plus the log-variance layer as an extra output: the model to train. Once. */
  attach(model: tf.LayersModel): tf.LayersModel {
    if (this.attachedTo) {
      throw new Error('uncertainty weighting: attach() is called once, for the training model');
    }
    if (model.layers.some((l) => l.name === LOG_VARIANCE_LAYER)) {
      throw new Error(`uncertainty weighting: the model already has a ${LOG_VARIANCE_LAYER} layer`);
    }
    const s = this.layer.apply(model.inputs[0]!) as tf.SymbolicTensor;
    this.attachedTo = tf.model({
      inputs: model.inputs,
      outputs: [...model.outputs, s],
      name: `${model.name}_training`,
    });
    return this.attachedTo;
  }

  variables(): tf.Variable[] {
    return [this.logVariance()];
  }

  terms(losses: readonly tf.Scalar[]): tf.Scalar[] {
    checkLossCount(this.tasks, losses);
    const s = this.logVariance();
    return losses.map((l, k) => {
      const sk = s.slice([k], [1]).reshape([]) as tf.Scalar;
      return tf.add(tf.mul(tf.exp(tf.neg(sk)), l), sk) as tf.Scalar;
    });
  }

  combine(losses: readonly tf.Scalar[]): tf.Scalar {
    return tf.addN(this.terms(losses));
  }

  current(): number[] {
    const weights = tf.tidy(() => tf.exp(tf.neg(this.logVariance())));
    const values = Array.from(weights.dataSync());
    weights.dispose();
    return values;
  }

  endEpoch(meanLosses: readonly number[]): void {
    checkLossCount(this.tasks, meanLosses);
  }

  restore(): void {}

  private logVariance(): tf.Variable {
    const v = this.layer.variable;
    if (!v) throw new Error('uncertainty weighting: attach() it to the training model first');
    return v;
  }
}
