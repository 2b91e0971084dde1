// Regularizers for fine-tuning: label smoothing and the soft-target cross-entropy every mixed
// batch needs, mixup / CutMix (one per batch via mixBatch, all draws from our seeded Rng), and
// L2-SP (pull the pretrained weights toward their start, plain L2 on the new head).
// Head dropout is not here: it is createModel's `dropRate` option (a Dropout layer `head_drop`
// before the Dense `head`); the loop seeds its masks per step through Math.random.
//
// In a loss for `fit`:
//   const mix = mixBatch({ mixupAlpha: 0.2, cutmixAlpha: 1 });
//   const l2sp = createL2SP(model);
//   loss: (batch, info) => {
//     const m = mix(batch.x, softTargets(batch.labels, C, 0.1), mixRng(seed, info.step));
//     const logits = model.apply(m.x, { training: true }) as tf.Tensor2D;
//     return tf.add(softCrossEntropy(logits, m.targets), l2sp.penalty());
//   }
export { sampleBeta, sampleGamma, sampleLogGamma } from './beta.js';
export { cutmix, cutmixBox, cutmixWith, DEFAULT_CUTMIX_ALPHA, keptFraction } from './cutmix.js';
export { createL2SP, type L2SP, L2SP_DEFAULTS, type L2SPOptions } from './l2sp.js';
export { smoothedCrossEntropy, softCrossEntropy, softTargets } from './label-smoothing.js';
export { type BatchMixer, type MixBatchOptions, mixBatch } from './mix-batch.js';
export { DEFAULT_MIXUP_ALPHA, mixRng, mixup, mixupWith } from './mixup.js';
export type { Box, MixResult } from './types.js';
