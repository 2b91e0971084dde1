// Public surface of the growable few-shot classifier: fit a prototype bundle, add classes to it.

export { L2Normalize } from '../../../heads/l2-normalize.js';
export { type AddClassesOptions, addClasses, addClassesSettingsSchema } from './add.js';
export { type FewShotClassRecord, type FewShotMeta, requireFewShot } from './bundle-meta.js';
export { isBundleDir } from './embedder.js';
export {
  DEFAULT_FINETUNE_LR,
  type FewShotResult,
  type FitFewShotOptions,
  fitFewShotClassifier,
  fitFewShotSettingsSchema,
} from './fit.js';
export { COSINE_SCALE, FEWSHOT_METRICS, type FewShotMetric } from './prototypes.js';
export { subsetSource } from './support.js';
