// Gradual pruning (Zhu & Gupta 2017, eq. 1): sparsity rises from s_i to s_f over n pruning steps
// spaced Δt apart from step t0, fast at first and slowly at the end,
//   s_t = s_f + (s_i − s_f) · (1 − (t − t0) / (n·Δt))³,
// so the network recovers from each pruning step while the remaining weights are still many.
export interface SparsitySchedule {
  initial: number;
  final: number;
  /** t0: the first pruning step. */
  beginStep: number;
  /** t0 + n·Δt: the step from which sparsity stays at `final`. */
  endStep: number;
  /** Δt: steps between mask updates. */
  frequency: number;
}

/** Target sparsity in effect after the mask update at or before `step`. */
export function sparsityAt(step: number, s: SparsitySchedule): number {
  if (step < s.beginStep) return 0;
  if (step >= s.endStep) return s.final;
  const updated = s.beginStep + Math.floor((step - s.beginStep) / s.frequency) * s.frequency;
  const progress = (updated - s.beginStep) / (s.endStep - s.beginStep);
  return s.final + (s.initial - s.final) * (1 - progress) ** 3;
}

/** Whether the masks are recomputed at `step`. */
export function isPruningStep(step: number, s: SparsitySchedule): boolean {
  if (step < s.beginStep || step > s.endStep) return false;
  return step === s.endStep || (step - s.beginStep) % s.frequency === 0;
}

/**
 * The default for a fine-tuning run of `totalSteps`: prune from the first step until three
 * quarters of the run, in about 10 updates, and spend the last quarter recovering.
 */
export function defaultSchedule(final: number, totalSteps: number): SparsitySchedule {
  const endStep = Math.max(1, Math.floor(totalSteps * 0.75));
  return {
    initial: 0,
    final,
    beginStep: 0,
    endStep,
    frequency: Math.max(1, Math.round(endStep / 10)),
  };
}
