// Public API of the optimizer toolkit the training loop is built from: parameter groups,
// optimizers with serializable state, gradient clipping, lr schedules, plateau and early stopping.
export { AdamW, type AdamWOptions } from './adamw.js';
export { type ClipResult, clipByGlobalNorm } from './clip.js';
export {
  EarlyStopping,
  type EarlyStoppingDecision,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from './early-stopping.js';
export { buildParamGroups, type ParamGroupOptions, takesWeightDecay } from './param-groups.js';
export { type PlateauOptions, type PlateauState, ReduceLROnPlateau } from './plateau.js';
export { lrAt, type Schedule } from './schedules.js';
export { SGD, type SGDOptions } from './sgd.js';
export type {
  AnyVariable,
  Grads,
  GroupOptimizer,
  OptimizerState,
  ParamGroup,
} from './types.js';
export { restoreWeights, snapshotWeights, type WeightSnapshot } from './weights.js';
