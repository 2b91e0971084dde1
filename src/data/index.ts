// Public surface of the data layer.
export type { ImageDecoder } from './decode.js';
export { IMAGE_EXTENSIONS } from './decode.js';
export { describeDecodeError, SharpDecoder, sharpDecoder } from './decode-sharp.js';
export { createLoader, type Loader, type LoaderOptions } from './loader.js';
export { balancedWeights, classCounts, epochOrder } from './sampler.js';
export { BUILTIN_SPLIT_SEED, BUILTIN_TEST_FRACTION } from './sources/builtin.js';
export { FASHION_MNIST_CLASSES, openFashionMnist } from './sources/fashion-mnist.js';
export { openFiles } from './sources/files.js';
export { openFolder } from './sources/folder.js';
export { openManifest } from './sources/manifest.js';
export { MNIST_CLASSES, openMnist } from './sources/mnist.js';
export { BUILTIN_DATASETS, openSource } from './sources/open.js';
export type { SourceOptions } from './sources/options.js';
export { pickSplit, resolveSplit, type SplitResult, stratifiedSplit } from './split.js';
export * from './transforms/index.js';
export type * from './types.js';
export { type Problem, settleProblems, type VerifyLevel } from './validate.js';
