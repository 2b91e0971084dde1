// Method name → learner, with the run configuration's settings: a registry a library user can
// extend (registerFewShotMethod). Options left unset in the configuration keep each method's
// paper defaults (options.ts).

import { Registry } from '../../../util/registry.js';
import type { FewShotConfig } from '../config.js';
import type { FewShotLearner } from '../learner.js';
import type { FewShotNetwork } from '../network.js';
import { createAnil } from './anil.js';
import { createCentroid } from './centroid.js';
import { createFinetuneHead } from './finetune-head.js';
import { createMaml } from './maml.js';
import { createProtonet } from './protonet.js';
import { createReptile } from './reptile.js';

/** The most ways of any episode, meta-training or test: the width of MAML-style heads. */
function maxWays(config: FewShotConfig): number {
  const train = config.trainWays ?? config.ways;
  return Math.max(config.ways, typeof train === 'number' ? train : train[1]);
}

/** A few-shot method: how it is built for a run, and whether it meta-trains. */
export interface FewShotMethodEntry {
  /** Meta-trains on episodes (needs meta-train classes; has an untrained start to compare). */
  metaLearned: boolean;
  create(network: FewShotNetwork, config: FewShotConfig): FewShotLearner;
}

/**
 * Snell et al.'s and Finn et al.'s Adam lr 1e-3 is for training from scratch; on a pretrained
 * body it overwrote the features within 100 steps — ProtoNets fell below their untrained start,
 * MAML's embedding collapsed to chance — while 1e-4 kept and improved them.
 */
const outerLrOf = (config: FewShotConfig) => config.outerLr ?? (config.pretrained ? 1e-4 : 1e-3);

/** The inner-loop settings MAML, ANIL and Reptile share. */
function optimization(config: FewShotConfig) {
  return {
    innerSteps: config.innerSteps,
    testInnerSteps: config.testInnerSteps,
    innerLr: config.innerLr,
    maxWays: maxWays(config),
    seed: config.seed,
  };
}

/**
 * MAML / ANIL: Proto-MAML's head init unless asked otherwise — on the benchmark (bench/fewshot,
 * --runs proto) it beat the learned init for MAML and ANIL in every setting, and it is what lets
 * their meta-training beat the untrained start cross-domain (MAML +4.0 / +2.2 points).
 */
function modelAgnostic(config: FewShotConfig) {
  return {
    ...optimization(config),
    outerLr: outerLrOf(config),
    firstOrder: config.firstOrder,
    headInit: config.headInit ?? 'prototypes',
  };
}

const BUILT_IN: [string, FewShotMethodEntry][] = [
  ['centroid', { metaLearned: false, create: (net, c) => createCentroid(net, c.metric) }],
  [
    'finetune-head',
    {
      metaLearned: false,
      create: (net, c) =>
        createFinetuneHead(net, { steps: c.headSteps, lr: c.headLr, seed: c.seed }),
    },
  ],
  [
    'protonet',
    { metaLearned: true, create: (net, c) => createProtonet(net, { lr: outerLrOf(c) }) },
  ],
  ['maml', { metaLearned: true, create: (net, c) => createMaml(net, modelAgnostic(c)) }],
  ['anil', { metaLearned: true, create: (net, c) => createAnil(net, modelAgnostic(c)) }],
  [
    'reptile',
    {
      metaLearned: true,
      create: (net, c) =>
        createReptile(net, {
          ...optimization(c),
          outerStepSize: c.outerLr,
          totalSteps: c.metaSteps > 0 ? c.metaSteps : undefined,
        }),
    },
  ],
];

/** The built-in methods' names, in the order results list them. */
export const FEWSHOT_METHODS: readonly string[] = BUILT_IN.map(([name]) => name);

/** Few-shot methods by name; `registerFewShotMethod` adds a library user's own. */
export const fewShotMethods = new Registry<FewShotMethodEntry>('few-shot method', BUILT_IN);

export function registerFewShotMethod(
  name: string,
  entry: FewShotMethodEntry,
  options?: { replace?: boolean },
): void {
  fewShotMethods.register(name, entry, options);
}

export function createLearner(
  method: string,
  network: FewShotNetwork,
  config: FewShotConfig,
): FewShotLearner {
  return fewShotMethods.get(method).create(network, config);
}
