// The contract between parameter groups, optimizers and the (coming) training loop. Groups own
// which variables train and at what lr multiple / weight decay; optimizers own the update rule and
// their slot state; the loop owns the base lr (from a schedule) and when to step. Optimizer state
// has the same shape as the checkpoint's `OptimizerState`, so the loop can write it unchanged.
import type * as tf from '@tensorflow/tfjs';
import type { OptimizerState } from '../checkpoint.js';

export type { OptimizerState };

/** A Keras layer weight or a bare core variable; optimizers accept both. */
export type AnyVariable = tf.LayerVariable | tf.Variable;

export interface ParamGroup {
  name: string;
  variables: AnyVariable[];
  /** Multiplies the base lr given to `step` for this group's variables. */
  lrMult: number;
  weightDecay: number;
}

/** Gradients keyed by the core variable's name (what `tf.variableGrads` returns). */
export type Grads = Map<string, tf.Tensor> | tf.NamedTensorMap;

export interface GroupOptimizer {
  readonly kind: string;
  readonly groups: readonly ParamGroup[];
  /** Swaps in new groups (after unfreezing); state of variables that stay is kept. */
  setGroups(groups: readonly ParamGroup[]): void;
  /** Number of `step` calls so far (restored by `setState`). */
  readonly stepCount: number;
  /** Every variable the optimizer updates (the `varList` for `tf.variableGrads`). */
  variables(): tf.Variable[];
  /**
   * One update with lr = baseLr × group.lrMult. Variables without a gradient in `grads` are left
   * alone (as PyTorch skips params whose grad is None); a gradient for a variable the optimizer
   * does not own is a bug and throws. Does not dispose `grads`.
   */
  step(grads: Grads, baseLr: number): void;
  /** Copies of every slot, as plain float32 arrays: safe to keep while training goes on. */
  getState(): Promise<OptimizerState>;
  /**
   * Replaces all state; afterwards training continues bit-identically to the saved run. Slots are
   * matched by position in the groups' variable order (with shape checks), so the groups must be
   * built the same way as when the state was saved; variable names may differ.
   */
  setState(state: OptimizerState): void;
  dispose(): void;
}

/** The core variable behind either kind of weight. */
export function coreVariable(v: AnyVariable): tf.Variable {
  // LayerVariable.read() is typed as Tensor but returns the tf.Variable it holds.
  return isLayerVariable(v) ? (v.read() as tf.Variable) : v;
}

export function isLayerVariable(v: AnyVariable): v is tf.LayerVariable {
  return typeof (v as tf.LayerVariable).read === 'function';
}

export function gradEntries(grads: Grads): [string, tf.Tensor][] {
  return grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
}
