// Multi-task data: per-task sources merged by image, sampled across tasks, and batched with one
// joint geometry for the image and every task's labels.
export {
  type Annotated,
  applyJointOps,
  imageOnlyJoint,
  type JointOp,
  letterboxJoint,
  randomHorizontalFlipJoint,
  randomScaleCropJoint,
} from '../joint/augment.js';
export { type MultiTaskAugmentOptions, multiTaskAugmentation } from './augment.js';
export {
  SAMPLING_STRATEGIES,
  type SamplingStrategy,
  samplingFields,
  type TaskDataConfig,
  type TaskDataInput,
  taskDataSchema,
} from './config.js';
export { holdOutByKey } from './holdout.js';
export {
  createMultiTaskLoader,
  type MultiTaskLoader,
  type MultiTaskLoaderOptions,
} from './loader.js';
export { type MultiTaskLoadersOptions, multiTaskLoaders } from './loaders.js';
export { type MergeResult, mergeByImage } from './merge.js';
export {
  LABEL_SEPARATOR,
  type MultiLabelDataset,
  type MultiLabelOptions,
  type MultiLabelSample,
  openMultiLabelData,
  parseLabelList,
} from './multilabel.js';
export { type MultiTaskData, openMultiTaskData, taskShapes } from './open.js';
export { type OpenTaskOptions, openTaskData, type TaskData } from './open-task.js';
export { type EpochPlan, epochPlan, quotas, taskMembers, taskShares } from './sampling.js';
export { buildTargets } from './targets.js';
export * from './types.js';
