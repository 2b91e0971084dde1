// The learning-rate schedule of a detection run, in optimizer steps: the same choices as
// classification (cosine after one epoch of linear warm-up by default).
import type { Schedule } from '../../train/optim/index.js';
import type { DetectConfig } from './config.js';

export function scheduleOf(config: DetectConfig, stepsPerEpoch: number): Schedule {
  const total = config.epochs * stepsPerEpoch;
  const lr = config.lr;
  switch (config.schedule) {
    case 'cosine':
      return { kind: 'cosine', lr, warmupSteps: Math.min(stepsPerEpoch, total - 1) };
    case 'step':
      return { kind: 'step', lr, stepSize: Math.max(1, Math.ceil(total / 3)), gamma: 0.1 };
    case 'onecycle':
      return { kind: 'onecycle', lr };
    case 'constant':
      return { kind: 'constant', lr };
  }
}
