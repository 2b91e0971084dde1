// Few-shot learning and meta-learning: episodes, methods, evaluation, and the growable classifier.
export { cacheFeatures, type FeatureCache } from './cache.js';
export * from './classifier/index.js';
export { type FewShotConfig, type FewShotConfigInput, resolveFewShotConfig } from './config.js';
export * from './episodes.js';
export { evaluateEpisodes } from './evaluate.js';
export * from './learner.js';
export { metaTrain } from './meta-train.js';
export {
  createLearner,
  FEWSHOT_METHODS,
  type FewShotMethodEntry,
  fewShotMethods,
  registerFewShotMethod,
} from './methods/index.js';
export { createFewShotNetwork, type FewShotNetwork } from './network.js';
export { fewShotReport, saveMetaTrainedBundle, writeResults } from './outputs.js';
export { buildPool, type SamplePool } from './pools.js';
export { type FewShotRunResult, type MethodResult, openPools, runFewShot } from './run.js';
export { formatMeanCI, type MeanCI, meanCI } from './stats.js';
