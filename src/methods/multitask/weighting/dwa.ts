// Dynamic Weight Average (Liu, Johns, Davison 2019, "End-to-End Multi-Task Learning with
// Attention", eq. 7): w_k(t) = K·exp(r_k(t−1)/T) / Σ_i exp(r_i(t−1)/T), where
// r_k(t−1) = L_k(t−1) / L_k(t−2) is how fast task k's mean training loss fell over the last epoch;
// w = 1 for the first two epochs. A task whose loss falls slowly gets more weight. T = 2 as in the
// paper. The state is the last two epochs' mean losses, which the loop's history records as
// `loss_<task>`, so `restore(history)` rebuilds it exactly on resume.
// A ratio that is not finite or has a non-positive denominator (a task with no images in an
// epoch) counts as 1: no change, rather than a NaN weight.
import * as tf from '@tensorflow/tfjs';
import type { EpochRecord } from '../../../train/metrics-log.js';
import { checkLossCount, type TaskWeighting, taskLossesOf } from './types.js';

/** The paper's temperature. */
export const DWA_TEMPERATURE = 2;

/** DWA's weights from the mean losses of the last two epochs (older first). */
export function dwaWeights(
  previous: readonly number[],
  last: readonly number[],
  temperature = DWA_TEMPERATURE,
): number[] {
  const ratios = last.map((l, k) => {
    const r = l / previous[k]!;
    return previous[k]! > 0 && Number.isFinite(r) ? r : 1;
  });
  // Shifting by the largest ratio changes nothing but keeps exp in range.
  const top = Math.max(...ratios);
  const e = ratios.map((r) => Math.exp((r - top) / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (ratios.length * v) / sum);
}

export class DynamicWeightAverage implements TaskWeighting {
  readonly kind = 'dwa';
  /** Mean task losses of the last (at most) two epochs, older first. */
  private recent: number[][] = [];
  private weights: number[];

  constructor(
    readonly tasks: readonly string[],
    readonly temperature = DWA_TEMPERATURE,
  ) {
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new Error(`dwa: temperature must be a positive number, got ${temperature}`);
    }
    this.weights = tasks.map(() => 1);
  }

  attach(model: tf.LayersModel): tf.LayersModel {
    return model;
  }

  variables(): tf.Variable[] {
    return [];
  }

  terms(losses: readonly tf.Scalar[]): tf.Scalar[] {
    checkLossCount(this.tasks, losses);
    return losses.map((l, k) => tf.mul(l, this.weights[k]!));
  }

  combine(losses: readonly tf.Scalar[]): tf.Scalar {
    return tf.addN(this.terms(losses));
  }

  current(): number[] {
    return [...this.weights];
  }

  endEpoch(meanLosses: readonly number[]): void {
    checkLossCount(this.tasks, meanLosses);
    this.recent = [...this.recent, [...meanLosses]].slice(-2);
    this.weights =
      this.recent.length < 2
        ? this.tasks.map(() => 1)
        : dwaWeights(this.recent[0]!, this.recent[1]!, this.temperature);
  }

  restore(history: readonly EpochRecord[]): void {
    this.recent = [];
    this.weights = this.tasks.map(() => 1);
    for (const record of history) {
      const losses = taskLossesOf(record, this.tasks);
      if (losses) this.endEpoch(losses);
    }
  }
}
