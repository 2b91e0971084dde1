// Task loss weighting and gradient surgery for multi-task training (the public API):
// createWeighting(kind, tasks) gives an equal, uncertainty (Kendall et al. 2018) or dynamic
// weight average (Liu et al. 2019) weighting; taskObjective wires one into `fit`, with PCGrad
// (Yu et al. 2020) as an option on top (objective.ts shows the wiring).
import { DynamicWeightAverage } from './dwa.js';
import { EqualWeighting } from './equal.js';
import type { TaskWeighting, WeightingKind } from './types.js';
import { UncertaintyWeighting } from './uncertainty.js';

export { DWA_TEMPERATURE, DynamicWeightAverage, dwaWeights } from './dwa.js';
export { EqualWeighting } from './equal.js';
export { LOG_VARIANCE_LAYER, TaskLogVariance } from './log-variance-layer.js';
export { type TaskObjective, type TaskObjectiveOptions, taskObjective } from './objective.js';
export { pcgradCoefficients, pcgradGradients, projectionOrders } from './pcgrad.js';
export { type PerTaskGradients, perTaskGradients } from './task-gradients.js';
export {
  type TaskWeighting,
  taskLossesOf,
  taskLossKey,
  taskWeightKey,
  WEIGHTING_KINDS,
  type WeightingKind,
} from './types.js';
export { UncertaintyWeighting } from './uncertainty.js';

/** A fresh weighting of `kind` over `tasks` (names, in the order their losses come). */
export function createWeighting(kind: WeightingKind, tasks: readonly string[]): TaskWeighting {
  if (tasks.length === 0) throw new Error('task weighting: no tasks');
  switch (kind) {
    case 'equal':
      return new EqualWeighting(tasks);
    case 'uncertainty':
      return new UncertaintyWeighting(tasks);
    case 'dwa':
      return new DynamicWeightAverage(tasks);
  }
}
