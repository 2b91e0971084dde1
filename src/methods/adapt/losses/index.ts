// Loss building blocks for domain adaptation: the gradient reversal layer and DANN schedules,
// the discrepancy losses (multi-kernel MMD for DAN, CORAL), CDAN's conditioning maps, entropy
// weights and weighted BCE, and the 1024-1024 domain discriminator.
//
// DANN in a loss, with p = step / totalSteps:
//   const disc = createDomainDiscriminator({ inputDim: d, seed });
//   const f = tf.concat([fs, ft]);                       // source then target features
//   const logits = disc.apply(gradientReversal(f, dannLambda(p)), { training: true });
//   const domain = tf.concat([tf.ones([ns, 1]), tf.zeros([nt, 1])]);
//   loss = classification + weightedBinaryCrossEntropy(logits, domain)
// CDAN feeds chooseMap(d, c).apply(f, softmax(logits)) instead of f; CDAN+E passes
// entropyWeights(softmax(logits)) as the weights.
export {
  CDAN_MAX_FULL_DIM,
  CDAN_RANDOMIZED_DIM,
  type ConditioningMap,
  chooseMap,
  entropyWeights,
  multilinearMap,
  RandomizedMap,
  type RandomizedMapOptions,
  randomizedMultilinearMap,
  weightedBinaryCrossEntropy,
} from './cdan.js';
export { coralLoss, covariance } from './coral.js';
export { createDomainDiscriminator, type DomainDiscriminatorOptions } from './discriminator.js';
export { entropy, meanEntropy } from './entropy.js';
export { gradientReversal } from './gradient-reversal.js';
export {
  kernelBandwidths,
  MMD_DEFAULTS,
  type MmdOptions,
  medianPairwiseDistance,
  multiKernelMmd,
  pairwiseSquaredDistances,
} from './mmd.js';
export { dannLambda } from './schedules.js';
export { constantOf, stopGradient } from './stop-gradient.js';
