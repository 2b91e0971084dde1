// The domain discriminator of DANN (Ganin et al., JMLR 2016) and CDAN (Long et al., 2018):
// Dense(1024, relu) → Dropout(0.5) → Dense(1024, relu) → Dropout(0.5) → Dense(1), one logit
// per sample ("source" = 1 by the convention of the caller's targets). It sits behind a
// gradient reversal layer, so it is trained with its own loss and never shares weights with the
// classifier.
//
// Kernels are glorotUniform with seeds derived from `seed` (biases start at 0), so a seed gives
// the same starting weights. The dropout layers are not seeded: a fixed tfjs dropout seed would
// draw the same mask on every step.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';
import { initializerSeed } from '../../../util/init-seed.js';

export interface DomainDiscriminatorOptions {
  /** Width of the discriminator's input (features, or the CDAN map's outDim). */
  inputDim: number;
  /** Units of both hidden layers. Default 1024. */
  hidden?: number;
  /** Dropout rate after each hidden layer. Default 0.5 (0: no dropout layers). */
  dropout?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
}

/** Layers are named `domain_*` so they can be told apart from the classifier's. */
export function createDomainDiscriminator(options: DomainDiscriminatorOptions): tf.LayersModel {
  const { inputDim, hidden = 1024, dropout = 0.5, seed = 0 } = options;
  for (const [name, v] of [
    ['inputDim', inputDim],
    ['hidden', hidden],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw badUsage(`domain discriminator ${name}: must be a whole number >= 1 (got ${v})`);
    }
  }
  if (!(dropout >= 0 && dropout < 1)) {
    throw badUsage(`domain discriminator dropout: must be in [0, 1) (got ${dropout})`);
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw badUsage(`domain discriminator seed: must be a whole number >= 0 (got ${seed})`);
  }
  const init = (i: number) => tf.initializers.glorotUniform({ seed: initializerSeed(seed, i) });
  const model = tf.sequential({ name: 'domain_discriminator' });
  for (let i = 1; i <= 2; i++) {
    model.add(
      tf.layers.dense({
        name: `domain_fc${i}`,
        units: hidden,
        activation: 'relu',
        kernelInitializer: init(i - 1),
        ...(i === 1 ? { inputShape: [inputDim] } : {}),
      }),
    );
    if (dropout > 0) model.add(tf.layers.dropout({ name: `domain_drop${i}`, rate: dropout }));
  }
  model.add(tf.layers.dense({ name: 'domain_logit', units: 1, kernelInitializer: init(2) }));
  return model;
}
