// The adaptation methods by name, each built with its paper's defaults from the run config.
import * as tf from '@tensorflow/tfjs';
import type { AdaptConfig } from '../config.js';
import type { AdaptMethod, MethodEnv } from '../method.js';
import { adversarialMethod } from './adversarial.js';
import { coralMethod, mmdMethod } from './discrepancy.js';
import { selfTrainingMethod } from './self-training.js';

function sourceOnly(): AdaptMethod {
  return {
    name: 'source-only',
    summary: 'source only: trained on the labelled source, no transfer loss (the baseline)',
    // Target images never pass the network, so not even BatchNorm statistics see them.
    usesTarget: false,
    needsStrongView: false,
    modules: [],
    transferLoss: () => tf.scalar(0),
    takeEpochStats: () => ({}),
    dispose() {},
  };
}

export function createMethod(
  config: Pick<AdaptConfig, 'method' | 'discriminatorHidden' | 'entropyConditioning' | 'threshold'>,
  env: MethodEnv,
): AdaptMethod {
  switch (config.method) {
    case 'source-only':
      return sourceOnly();
    case 'dann':
    case 'cdan':
      return adversarialMethod(env, {
        conditional: config.method === 'cdan',
        entropyConditioning: config.entropyConditioning,
        hidden: config.discriminatorHidden,
      });
    case 'mmd':
      return mmdMethod();
    case 'coral':
      return coralMethod();
    case 'selftrain':
      return selfTrainingMethod(config.threshold);
  }
}
