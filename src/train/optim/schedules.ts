// Learning-rate schedules as pure functions of the optimizer step, so a resumed run needs only
// the step count to be back on its curve. `step` is the 0-based index of the update about to be
// taken, `totalSteps` the number of updates in the whole run. Formulas follow the documented
// PyTorch / Hugging Face schedules so recipes carry over:
// - cosine: linear warm-up from 0 (step 0 → 0, step warmupSteps → lr), then
//   minLr + (lr − minLr)·(1 + cos(π·(step − W)/(T − W)))/2, which reaches minLr at step T
//   (as CosineAnnealingLR with T_max = T − W and get_cosine_schedule_with_warmup);
// - step: lr·γ^⌊step / stepSize⌋ (StepLR);
// - onecycle: OneCycleLR with cosine annealing, two phases: initial = maxLr/divFactor up to lr
//   at step pctStart·T − 1, then down to initial/finalDivFactor at step T − 1;
// - inverse: lr·(1 + α·p)^−β with p = step/totalSteps, the annealing of Ganin et al. (2016)
//   used by DANN, CDAN and DAN (α = 10, β = 0.75);
// - constant: lr.
// Steps past the end hold the final value (PyTorch would raise for one-cycle).
import { badInput } from '../../errors.js';

export type Schedule =
  | { kind: 'constant'; lr: number }
  | { kind: 'cosine'; lr: number; warmupSteps?: number; minLr?: number }
  | { kind: 'step'; lr: number; stepSize: number; gamma?: number }
  | { kind: 'inverse'; lr: number; alpha?: number; beta?: number }
  | {
      kind: 'onecycle';
      /** The peak (PyTorch's max_lr). */
      lr: number;
      pctStart?: number;
      divFactor?: number;
      finalDivFactor?: number;
    };

/** Cosine interpolation from `from` (pct 0) to `to` (pct 1). */
function cosineAnneal(from: number, to: number, pct: number): number {
  return to + ((from - to) / 2) * (1 + Math.cos(Math.PI * pct));
}

function check(ok: boolean, what: string): void {
  if (!ok) throw badInput(`schedule: ${what}`);
}

/** The learning rate for update number `step` (0-based) of a `totalSteps`-update run. */
export function lrAt(step: number, totalSteps: number, schedule: Schedule): number {
  check(
    Number.isInteger(totalSteps) && totalSteps >= 1,
    `totalSteps must be >= 1, got ${totalSteps}`,
  );
  check(Number.isInteger(step) && step >= 0, `step must be an integer >= 0, got ${step}`);
  check(Number.isFinite(schedule.lr) && schedule.lr >= 0, `lr must be >= 0, got ${schedule.lr}`);
  const { lr } = schedule;
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step': {
      const gamma = schedule.gamma ?? 0.1;
      check(
        Number.isInteger(schedule.stepSize) && schedule.stepSize >= 1,
        `stepSize must be an integer >= 1, got ${schedule.stepSize}`,
      );
      return lr * gamma ** Math.floor(step / schedule.stepSize);
    }
    case 'inverse': {
      const alpha = schedule.alpha ?? 10;
      const beta = schedule.beta ?? 0.75;
      check(alpha >= 0 && beta >= 0, 'inverse: alpha and beta must be >= 0');
      return lr * (1 + (alpha * Math.min(step, totalSteps)) / totalSteps) ** -beta;
    }
    case 'cosine': {
      const warmup = schedule.warmupSteps ?? 0;
      const minLr = schedule.minLr ?? 0;
      check(
        Number.isInteger(warmup) && warmup >= 0 && warmup < totalSteps,
        `warmupSteps must be an integer in [0, totalSteps), got ${warmup}`,
      );
      check(minLr >= 0 && minLr <= lr, `minLr must be in [0, lr], got ${minLr}`);
      if (step < warmup) return (lr * step) / warmup;
      const pct = Math.min(1, (step - warmup) / (totalSteps - warmup));
      return cosineAnneal(lr, minLr, pct);
    }
    case 'onecycle': {
      const pctStart = schedule.pctStart ?? 0.3;
      const divFactor = schedule.divFactor ?? 25;
      const finalDivFactor = schedule.finalDivFactor ?? 1e4;
      check(pctStart > 0 && pctStart < 1, `pctStart must be in (0, 1), got ${pctStart}`);
      check(divFactor > 0 && finalDivFactor > 0, 'divFactor and finalDivFactor must be > 0');
      const initial = lr / divFactor;
      const final = initial / finalDivFactor;
      const peakStep = pctStart * totalSteps - 1;
      const lastStep = totalSteps - 1;
      check(
        peakStep > 0 && lastStep > peakStep,
        `onecycle needs pctStart·totalSteps in (1, totalSteps), got ${pctStart * totalSteps}`,
      );
      const s = Math.min(step, lastStep);
      if (s <= peakStep) return cosineAnneal(initial, lr, s / peakStep);
      return cosineAnneal(lr, final, (s - peakStep) / (lastStep - peakStep));
    }
    default:
      throw badInput(`schedule: unknown kind ${(schedule as { kind: string }).kind}`);
  }
}
