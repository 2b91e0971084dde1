// Channel pruning in steps, each measured on data: before every step the current network's
// reading-layer input statistics are taken on calibration images; channels are scored by the
// error their removal would leave (variance through the reading weights) and the removed
// channels' mean is folded into what follows. Small steps keep each measurement close to the
// network it is applied to: a fine-tuned MobileNetV2 (79.3%) pruned by half in one step kept 10%
// accuracy before fine-tuning, in five steps 19%. (At 10% in one step: 11.5% by filter L1 norm,
// 75.8% with measured scores and folded means.)
import type * as tf from '@tensorflow/tfjs';
import {
  compensateRemovedChannels,
  readerInputStats,
  varianceScorer,
} from './channel-compensate.js';
import { type ChannelImportance, type ChannelPruneReport, pruneChannels } from './channel-prune.js';

export interface SteppedPruneOptions {
  amount: number;
  steps: number;
  /** Fallback criterion for groups no reading layer has statistics for. */
  importance: ChannelImportance;
  multipleOf?: number;
  keepTied?: boolean;
  /** Fresh calibration batches for each step (each tensor is disposed after use). */
  calibration: () => AsyncIterable<tf.Tensor>;
}

export interface SteppedPruneResult {
  model: tf.LayersModel;
  /** One report per step, in order. */
  steps: ChannelPruneReport[];
}

/** A smaller copy of `model` with `amount` of the channels of every prunable group removed. */
export async function pruneChannelsInSteps(
  model: tf.LayersModel,
  options: SteppedPruneOptions,
): Promise<SteppedPruneResult> {
  // Keep (1 - amount) overall: the same share per step.
  const perStep = 1 - (1 - options.amount) ** (1 / options.steps);
  const reports: ChannelPruneReport[] = [];
  let current = model;
  for (let step = 0; step < options.steps; step++) {
    const stats = await readerInputStats(current, options.calibration());
    const { model: next, report } = await pruneChannels(current, {
      amount: perStep,
      importance: options.importance,
      multipleOf: options.multipleOf,
      keepTied: options.keepTied,
      scorer: varianceScorer(current, stats),
    });
    compensateRemovedChannels(current, next, report, stats);
    if (current !== model) current.dispose();
    current = next;
    reports.push(report);
  }
  return { model: current, steps: reports };
}
