// The learning-rate schedule, plateau reduction, early stopping and clipping a network run asks
// of the loop, from its config. Lengths are in epochs for people and in steps for the loop.
import { badUsage } from '../../errors.js';
import type { FitConfig } from '../../train/loop.js';
import type { Schedule } from '../../train/optim/index.js';
import type { TrainConfig } from './config.js';

export type FitOptions = Pick<FitConfig, 'schedule' | 'plateau' | 'earlyStopping' | 'clipNorm'>;

export function fitOptions(
  config: TrainConfig,
  lr: number,
  stepsPerEpoch: number,
  hasValidation: boolean,
): FitOptions {
  const total = config.epochs * stepsPerEpoch;
  const needsVal = [
    config.schedule === 'plateau' && 'schedule plateau',
    config.earlyStopping !== undefined && 'earlyStopping',
  ].filter(Boolean);
  if (needsVal.length && !hasValidation) {
    throw badUsage(
      `${needsVal.join(' and ')} watch the validation loss, but this run has no validation images (use --val > 0)`,
    );
  }
  const schedules: Record<TrainConfig['schedule'], Schedule> = {
    // One epoch of linear warm-up (at most all but the last step), then cosine to 0.
    cosine: { kind: 'cosine', lr, warmupSteps: Math.min(stepsPerEpoch, total - 1) },
    // ×0.1 at one and two thirds of the run (the classic ImageNet recipe, scaled).
    step: { kind: 'step', lr, stepSize: Math.max(1, Math.ceil(total / 3)), gamma: 0.1 },
    onecycle: { kind: 'onecycle', lr },
    constant: { kind: 'constant', lr },
    plateau: { kind: 'constant', lr },
  };
  return {
    schedule: schedules[config.schedule],
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
