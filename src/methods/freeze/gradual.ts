// Gradual unfreezing (ULMFiT, Howard & Ruder 2018): train the head alone first, then unfreeze one
// more block every `every` epochs, from the top down, up to `max`. The schedule is plain JSON (it
// goes into the saved run config); `gradualUnfreezing` is the loop callback that applies it at the
// start of each epoch: set `trainable`, rebuild the parameter groups, hand them to the optimizer
// (which keeps the state of the weights that were already training).
import type * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';
import type { Callback } from '../../train/callbacks.js';
import {
  buildParamGroups,
  type GroupOptimizer,
  type ParamGroupOptions,
} from '../../train/optim/index.js';
import type { Block } from './blocks.js';
import {
  type FreezeResult,
  type KeepFrozen,
  resolveUnfreeze,
  type Unfreeze,
  unfreezeLast,
} from './freeze.js';

export interface GradualSchedule {
  /** One more block is unfrozen every `every` epochs (ULMFiT: 1). */
  every: number;
  /** Epochs that train the head alone before the first block unfreezes. Default: `every`. */
  headEpochs?: number;
  /** Blocks unfrozen at most (the `--unfreeze` value). */
  max: Unfreeze;
}

function checkSchedule(s: GradualSchedule): void {
  if (!(Number.isInteger(s.every) && s.every >= 1)) {
    throw badUsage(
      `gradual unfreezing: every must be a whole number of epochs >= 1, got ${s.every}`,
    );
  }
  const head = s.headEpochs ?? s.every;
  if (!(Number.isInteger(head) && head >= 0)) {
    throw badUsage(`gradual unfreezing: headEpochs must be a whole number >= 0, got ${head}`);
  }
  if (s.max !== 'all' && !(Number.isInteger(s.max) && s.max >= 0)) {
    throw badUsage(`gradual unfreezing: max must be a whole number >= 0 or 'all', got ${s.max}`);
  }
}

/**
 * Blocks unfrozen during `epoch` (1-based, as the loop counts) out of `totalBlocks`: 0 for the
 * first `headEpochs` epochs, then 1, 2, … one more every `every` epochs, capped at `max`.
 */
export function unfrozenAt(schedule: GradualSchedule, epoch: number, totalBlocks: number): number {
  checkSchedule(schedule);
  if (!(Number.isInteger(epoch) && epoch >= 1)) {
    throw new Error(`gradual unfreezing: epoch must be a whole number >= 1, got ${epoch}`);
  }
  const max = schedule.max === 'all' ? totalBlocks : Math.min(schedule.max, totalBlocks);
  const head = schedule.headEpochs ?? schedule.every;
  if (epoch <= head) return 0;
  return Math.min(max, 1 + Math.floor((epoch - head - 1) / schedule.every));
}

/** Blocks unfrozen in each of epochs 1..epochs, for logs and the run summary. */
export function scheduleTable(
  schedule: GradualSchedule,
  epochs: number,
  totalBlocks: number,
): number[] {
  return Array.from({ length: epochs }, (_, i) => unfrozenAt(schedule, i + 1, totalBlocks));
}

export interface GradualUnfreezingOptions {
  model: tf.LayersModel;
  blocks: readonly Block[];
  schedule: GradualSchedule;
  optimizer: GroupOptimizer;
  /** Layers that stay frozen in unfrozen blocks too (as given to unfreezeLast). */
  keepFrozen?: KeepFrozen;
  /** How to group the trainable weights (the same options the optimizer was built with). */
  paramGroups?: ParamGroupOptions;
  /** Called after each change, e.g. to log "epoch 3: unfroze block_16". */
  onChange?: (epoch: number, result: FreezeResult) => void;
}

export interface GradualUnfreezing extends Callback {
  /** Applies the schedule for `epoch`; undefined when its block count is the one applied last. */
  applyEpoch(epoch: number): FreezeResult | undefined;
  /** Blocks unfrozen now. */
  readonly unfrozen: number;
  /** Applies the schedule at the epoch's start; it needs no run context, so callers may call it. */
  onEpochBegin(info: { epoch: number }): void;
}

/**
 * A loop callback that applies `schedule` at each epoch begin. Call `applyEpoch(1)` (or let the
 * first epoch do it) before building the optimizer's first groups so they match the model.
 * Resuming: the optimizer's groups must match the checkpoint before `setState`; the loop's
 * `onResume` event applies the checkpoint's epoch first.
 */
export function gradualUnfreezing(options: GradualUnfreezingOptions): GradualUnfreezing {
  const { model, blocks, schedule, optimizer } = options;
  checkSchedule(schedule);
  // Checked here, not at epoch 7: a bad max is a usage error before training starts.
  resolveUnfreeze(schedule.max, blocks);
  let unfrozen: number | undefined;
  const applyEpoch = (epoch: number): FreezeResult | undefined => {
    const n = unfrozenAt(schedule, epoch, blocks.length);
    if (n === unfrozen) return undefined;
    const result = unfreezeLast(model, n, blocks, options.keepFrozen);
    unfrozen = n;
    optimizer.setGroups(buildParamGroups(model, options.paramGroups));
    options.onChange?.(epoch, result);
    return result;
  };
  return {
    applyEpoch,
    get unfrozen() {
      return unfrozen ?? 0;
    },
    onEpochBegin: ({ epoch }) => {
      applyEpoch(epoch);
    },
    // The checkpoint's optimizer state is keyed by the trainable weights of its epoch.
    onResume: ({ epoch }) => {
      if (epoch >= 1) applyEpoch(epoch);
    },
  };
}
