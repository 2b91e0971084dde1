// The learning-rate schedule, plateau reduction, early stopping and clipping a network run asks
// of the loop, from its config. Lengths are in epochs for people and in steps for the loop.
import { badUsage } from '../../errors.js';
import type { FitConfig } from '../../train/loop.js';
import type { Schedule } from '../../train/optim/index.js';
import type { TrainConfig } from './config.js';

export type FitOptions = Pick<FitConfig, 'schedule' | 'plateau' | 'earlyStopping' | 'clipNorm'>;

/** The lr per optimizer step for a schedule name (plateau: constant; the loop reduces it). */
export function lrSchedule(
  kind: TrainConfig['schedule'],
  lr: number,
  stepsPerEpoch: number,
  epochs: number,
): Schedule {
  const total = epochs * stepsPerEpoch;
  switch (kind) {
    // One epoch of linear warm-up (at most all but the last step), then cosine to 0.
    case 'cosine':
      return { kind: 'cosine', lr, warmupSteps: Math.min(stepsPerEpoch, total - 1) };
    // ×0.1 at one and two thirds of the run (the classic ImageNet recipe, scaled).
    case 'step':
      return { kind: 'step', lr, stepSize: Math.max(1, Math.ceil(total / 3)), gamma: 0.1 };
    case 'onecycle':
      return { kind: 'onecycle', lr };
    case 'constant':
    case 'plateau':
      return { kind: 'constant', lr };
  }
}

export function fitOptions(
  config: TrainConfig,
  lr: number,
  stepsPerEpoch: number,
  hasValidation: boolean,
): FitOptions {
  const needsVal = [
    config.schedule === 'plateau' && 'schedule plateau',
    config.earlyStopping !== undefined && 'earlyStopping',
  ].filter(Boolean);
  if (needsVal.length && !hasValidation) {
    throw badUsage(
      `${needsVal.join(' and ')} watch the validation loss, but this run has no validation images (use --val > 0)`,
    );
  }
  return {
    schedule: lrSchedule(config.schedule, lr, stepsPerEpoch, config.epochs),
    plateau:
      config.schedule === 'plateau'
        ? { monitor: 'val_loss', options: { lr, factor: 0.1, patience: 2 } }
        : undefined,
    earlyStopping:
      config.earlyStopping === undefined
        ? undefined
        : { monitor: 'val_loss', patience: config.earlyStopping },
    clipNorm: config.clipNorm,
  };
}
