// Transferability estimation (issue 23): scores that predict how well a backbone's features
// transfer to a labelled task without training on it, computed on the training split's features.
export type { LabelledFeatures } from './features.js';
export { hScore, shrinkageHScore } from './hscore.js';
export { kendallTau } from './kendall.js';
export { leep, nce, type SourcePredictions } from './leep.js';
export { logme } from './logme.js';
export { crossValidatedProbe, type ProbeOptions } from './probe.js';
export { weightedTau } from './weighted-tau.js';
