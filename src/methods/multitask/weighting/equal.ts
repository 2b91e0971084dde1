// Equal weighting: the objective is Σ_k L_k, every weight 1, no state. The baseline the other
// weightings are measured against.
import * as tf from '@tensorflow/tfjs';
import { checkLossCount, type TaskWeighting } from './types.js';

export class EqualWeighting implements TaskWeighting {
  readonly kind = 'equal';

  constructor(readonly tasks: readonly string[]) {}

  attach(model: tf.LayersModel): tf.LayersModel {
    return model;
  }

  variables(): tf.Variable[] {
    return [];
  }

  terms(losses: readonly tf.Scalar[]): tf.Scalar[] {
    checkLossCount(this.tasks, losses);
    return [...losses];
  }

  combine(losses: readonly tf.Scalar[]): tf.Scalar {
    return tf.addN(this.terms(losses));
  }

  current(): number[] {
    return this.tasks.map(() => 1);
  }

  endEpoch(meanLosses: readonly number[]): void {
    checkLossCount(this.tasks, meanLosses);
  }

  restore(): void {}
}
