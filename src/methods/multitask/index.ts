// Multi-task learning (the library's view): the run, its configuration, the network builder, the
// per-task losses and evaluation, and the task loss weightings.
export {
  type MultiTaskConfig,
  type MultiTaskConfigInput,
  multiTaskConfigSchema,
  resolveMultiTaskConfig,
} from './config.js';
export { evaluateMultiTask, type MultiTaskEvaluation, type TaskEvaluation } from './evaluate.js';
export {
  buildMultiTaskNetwork,
  type MultiTaskNetwork,
  type MultiTaskNetworkOptions,
  type TaskHead,
  type TaskHeadSpec,
} from './network.js';
export { type MultiTaskRunResult, trainMultiTask } from './run.js';
export { type TaskLoss, taskLoss } from './task-losses.js';
export { parseTaskFlag, type TaskSpec, type TaskSpecInput } from './task-spec.js';
export * from './weighting/index.js';
