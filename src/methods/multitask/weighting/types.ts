// The contract every task loss weighting keeps (equal.ts, uncertainty.ts, dwa.ts): how a batch's
// per-task losses become the one objective the optimizer descends, what weights were used (for
// the log and the report's curves), and how the weighting moves on from epoch to epoch and picks
// up again after `--resume`. objective.ts wires a weighting into the training loop.
import type * as tf from '@tensorflow/tfjs';
import type { EpochRecord } from '../../../train/metrics-log.js';

/** The weightings, in the order the CLI lists them (one source: the config derives from it). */
export const WEIGHTING_KINDS = ['equal', 'uncertainty', 'dwa'] as const;
export type WeightingKind = (typeof WEIGHTING_KINDS)[number];

export interface TaskWeighting {
  readonly kind: WeightingKind;
  /** Task names, in the order `losses` come in everywhere below. */
  readonly tasks: readonly string[];
  /**
   * The model the loop trains and checkpoints: `model` itself, or (uncertainty) `model` with the
   * layer holding the weighting's own trainable parameters attached. The bundle keeps `model`.
   */
  attach(model: tf.LayersModel): tf.LayersModel;
  /** The weighting's own trainable variables (uncertainty: the log-variances), else none. */
  variables(): tf.Variable[];
  /**
   * Each task's share of the objective, inside the gradient tape: w_k·L_k, plus its regularizer
   * (uncertainty: + s_k). Their sum is the objective; PCGrad works on them one by one.
   */
  terms(losses: readonly tf.Scalar[]): tf.Scalar[];
  /** Σ terms: the objective of the batch. */
  combine(losses: readonly tf.Scalar[]): tf.Scalar;
  /** The weights on the task losses at this point (uncertainty: exp(−s_k)), for logging. */
  current(): number[];
  /** After each epoch, with that epoch's mean training loss per task (DWA needs the last two). */
  endEpoch(meanLosses: readonly number[]): void;
  /**
   * Back to the state after the epochs of `history`, from their `loss_<task>` values (resume; an
   * empty history is a fresh start). State held in model weights (uncertainty) comes back with
   * the checkpoint's weights instead.
   */
  restore(history: readonly EpochRecord[]): void;
}

/** The epoch record's key for task `task`'s mean training loss. */
export const taskLossKey = (task: string) => `loss_${task}`;
/** The epoch record's key for the weight task `task`'s loss had at the end of the epoch. */
export const taskWeightKey = (task: string) => `weight_${task}`;

/** The mean training losses `record` holds for `tasks`, or undefined when it lacks any. */
export function taskLossesOf(record: EpochRecord, tasks: readonly string[]): number[] | undefined {
  const values = tasks.map((t) => record[taskLossKey(t)]);
  return values.every((v) => typeof v === 'number') ? (values as number[]) : undefined;
}

/** Throws (a bug in the caller, not a user error) when `losses` does not match the tasks. */
export function checkLossCount(tasks: readonly string[], losses: readonly unknown[]): void {
  if (losses.length !== tasks.length) {
    throw new Error(
      `task weighting: ${losses.length} losses for ${tasks.length} tasks (${tasks.join(', ')})`,
    );
  }
}
