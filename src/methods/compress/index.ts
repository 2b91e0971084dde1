// Light models: knowledge distillation, magnitude and channel pruning, storage quantization, and
// the side-by-side comparison of bundles (size, speed, accuracy).
export * from './compare.js';
export {
  type DistillConfig,
  type DistillConfigInput,
  resolveDistillConfig,
} from './distill/config.js';
export { type DistillResult, distill } from './distill/distill.js';
export { distillationLoss, hintLoss, hintonLoss, labelCrossEntropy } from './distill/losses.js';
export { renormalize } from './distill/renormalize.js';
export {
  type ChannelGroupReport,
  type ChannelPruneOptions,
  type ChannelPruneReport,
  pruneChannels,
} from './prune/channel-prune.js';
export { type PruneConfig, type PruneConfigInput, resolvePruneConfig } from './prune/config.js';
export {
  MagnitudePruner,
  prunableWeights,
  type SparsityReport,
  sparsityOf,
} from './prune/magnitude.js';
export { type PruneResult, prune } from './prune/prune.js';
export { defaultSchedule, type SparsitySchedule, sparsityAt } from './prune/schedule.js';
export * from './quantize/index.js';
