// Public surface of freezing: split a model into blocks, unfreeze the last N (`--unfreeze N|all`),
// and gradual unfreezing (ULMFiT) as a training-loop callback.
export {
  type Block,
  type BlockKind,
  type BlockOptions,
  describeBlocks,
  isHeadLayer,
  splitBlocks,
} from './blocks.js';
export {
  type FreezeResult,
  type KeepFrozen,
  parseUnfreeze,
  resolveUnfreeze,
  type Unfreeze,
  unfreezeLast,
} from './freeze.js';
export {
  type GradualSchedule,
  type GradualUnfreezing,
  type GradualUnfreezingOptions,
  gradualUnfreezing,
  scheduleTable,
  unfrozenAt,
} from './gradual.js';
