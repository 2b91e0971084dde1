// The adaptation methods by name, each built with its paper's defaults from the run config.
import * as tf from '@tensorflow/tfjs';
import { Registry } from '../../../util/registry.js';
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

/** Builds a method for one run from the run's configuration. */
export type AdaptMethodFactory = (config: AdaptConfig, env: MethodEnv) => AdaptMethod;

const adversarial =
  (conditional: boolean): AdaptMethodFactory =>
  (config, env) =>
    adversarialMethod(env, {
      conditional,
      entropyConditioning: config.entropyConditioning,
      hidden: config.discriminatorHidden,
    });

const BUILT_IN: [string, AdaptMethodFactory][] = [
  ['source-only', sourceOnly],
  ['dann', adversarial(false)],
  ['cdan', adversarial(true)],
  ['mmd', mmdMethod],
  ['coral', coralMethod],
  ['selftrain', (config) => selfTrainingMethod(config.threshold)],
];

/** The built-in methods' names, in the order reports and benchmarks list them. */
export const ADAPT_METHODS: readonly string[] = BUILT_IN.map(([name]) => name);

/** Adaptation methods by name; `registerAdaptMethod` adds a library user's own. */
export const adaptMethods = new Registry<AdaptMethodFactory>('adaptation method', BUILT_IN);

export function registerAdaptMethod(
  name: string,
  factory: AdaptMethodFactory,
  options?: { replace?: boolean },
): void {
  adaptMethods.register(name, factory, options);
}

export function createMethod(config: AdaptConfig, env: MethodEnv): AdaptMethod {
  return adaptMethods.get(config.method)(config, env);
}
