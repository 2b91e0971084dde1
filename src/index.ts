// The visiontune library: what `import … from 'visiontune'` gives.
export * from './backbones/index.js';
export { importOnnx } from './backbones/onnx/import.js';
export {
  type BatchModel,
  closeBundle,
  openBundle,
  predictBatch,
  type RunnableBundle,
} from './bundle/batch-model.js';
export {
  type DeltaBaseSpec,
  DeltaBases,
  type DeltaSaveOptions,
  type LoadedBundle,
  loadBundle,
  readBundleMeta,
  saveBundle,
} from './bundle/bundle.js';
export { mergeDeltaBundle } from './bundle/delta/merge.js';
export { evaluateBundle } from './bundle/evaluate.js';
export type { BundleMeta, MultitaskTask, Preprocessing } from './bundle/meta.js';
export {
  type JointInput,
  prepareJoint,
  runJoint,
  type TaskResult,
} from './bundle/multitask/joint-pass.js';
export { evaluateMultiLabel } from './bundle/multitask/multilabel-evaluate.js';
export { taskNames, taskView } from './bundle/multitask/task-view.js';
export * as onnx from './bundle/onnx/index.js';
export { type Prediction, predictSamples } from './bundle/predict.js';
export * as detectionData from './data/detection/index.js';
export * from './data/index.js';
export * as multitaskData from './data/multitask/index.js';
export * as segmentationData from './data/segmentation/index.js';
export { currentGroup } from './distributed/current.js';
export { launchWorkers } from './distributed/launcher.js';
export { distributedOptionsSchema, resolveRole } from './distributed/options.js';
export {
  type GroupSettings,
  joinGroup,
  leaveGroup,
  ProcessGroup,
} from './distributed/process-group.js';
export {
  ENGINE_CHOICES,
  type EngineChoice,
  type FrozenEngineSettings,
  frozenEngine,
  setFrozenEngine,
} from './engine/frozen-engine.js';
export {
  type EngineInfo,
  type EngineOptions,
  ensureEngine,
  initEngine,
  probeBackends,
} from './engine/index.js';
export { badInput, badUsage, ConfigError, VisiontuneError } from './errors.js';
export {
  DEFAULT_MAX_PIXELS,
  type InputPolicy,
  type InputPolicyOptions,
  inputPolicy,
  setInputPolicy,
} from './guard/index.js';
export { type AdaptResult, adapt } from './methods/adapt/adapt.js';
export {
  ADAPT_METHODS,
  type AdaptConfig,
  type AdaptConfigInput,
  resolveAdaptConfig,
} from './methods/adapt/config.js';
export { proxyADistance } from './methods/adapt/diagnostics/index.js';
export * from './methods/adapt/losses/index.js';
export type { AdaptMethod, MethodEnv, StepOutputs } from './methods/adapt/method.js';
export {
  type AdaptMethodFactory,
  adaptMethods,
  registerAdaptMethod,
} from './methods/adapt/methods/index.js';
export { resolveTrainConfig, type TrainConfig } from './methods/classification/config.js';
export { trainLinearHead } from './methods/classification/linear-head.js';
export { train } from './methods/classification/train.js';
export * from './methods/compress/index.js';
export * as detection from './methods/detection/index.js';
export { collectEmbeddings, embedBatches } from './methods/embed.js';
export * from './methods/fewshot/index.js';
export * as multitask from './methods/multitask/index.js';
export { trainMultiTask } from './methods/multitask/run.js';
export {
  applyPeft,
  mergePeft,
  PEFT_METHODS,
  type PeftMeta,
  type PeftModel,
  type PeftOptions,
  type PeftSummary,
  readPeftMeta,
} from './methods/peft/index.js';
export {
  type RankOptions,
  type RankResult,
  type RankRow,
  rankCandidates,
} from './methods/rank/run-rank.js';
export * as segmentation from './methods/segmentation/index.js';
export * from './metrics/index.js';
export {
  type CreateServerOptions,
  createServer,
  type ServeOptionsInput,
  serveOptionsSchema,
  type VisiontuneServer,
} from './serve/index.js';
export {
  type CreateStudioOptions,
  createStudio,
  type VisiontuneStudio,
} from './studio/app.js';
export { type StudioOptionsInput, studioOptionsSchema } from './studio/options.js';
export * as tracking from './track/index.js';
export type { Callback, RunContext, StopReason } from './train/callbacks.js';
export { cancelOn, timeBudget } from './train/stop-callbacks.js';
export { Rng } from './util/rng.js';
// Pretrained weights by name: where they are cached, offline mode, a mirror; fetching ahead.
export { buildFromKerasFile } from './zoo/keras-entries.js';
export { setZooSettings, type ZooSettings, zooSettings } from './zoo/settings.js';
export type { WeightsFile } from './zoo/types.js';
export { ensureWeightsFile } from './zoo/weights-file.js';
