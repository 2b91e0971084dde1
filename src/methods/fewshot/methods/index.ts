// Method name → learner, with the run configuration's settings. Options left unset in the
// configuration keep each method's paper defaults (options.ts).
import type { FewShotConfig } from '../config.js';
import type { FewShotLearner, FewShotMethodName } from '../learner.js';
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

export function createLearner(
  method: FewShotMethodName,
  network: FewShotNetwork,
  config: FewShotConfig,
): FewShotLearner {
  // Snell et al.'s and Finn et al.'s Adam lr 1e-3 is for training from scratch; on a pretrained
  // body it overwrote the features within 100 steps — ProtoNets fell below their untrained start,
  // MAML's embedding collapsed to chance — while 1e-4 kept and improved them.
  const outerLr = config.outerLr ?? (config.pretrained ? 1e-4 : 1e-3);
  // Proto-MAML's head init unless asked otherwise: on the benchmark (bench/fewshot, --runs proto)
  // it beat the learned init for MAML and ANIL in every setting, and it is what lets their
  // meta-training beat the untrained start cross-domain (MAML +4.0 / +2.2 points).
  const headInit = config.headInit ?? 'prototypes';
  const optimization = {
    innerSteps: config.innerSteps,
    testInnerSteps: config.testInnerSteps,
    innerLr: config.innerLr,
    maxWays: maxWays(config),
    seed: config.seed,
  };
  switch (method) {
    case 'centroid':
      return createCentroid(network, config.metric);
    case 'finetune-head':
      return createFinetuneHead(network, {
        steps: config.headSteps,
        lr: config.headLr,
        seed: config.seed,
      });
    case 'protonet':
      return createProtonet(network, { lr: outerLr });
    case 'maml':
      return createMaml(network, {
        ...optimization,
        outerLr,
        firstOrder: config.firstOrder,
        headInit,
      });
    case 'anil':
      return createAnil(network, {
        ...optimization,
        outerLr,
        firstOrder: config.firstOrder,
        headInit,
      });
    case 'reptile':
      return createReptile(network, {
        ...optimization,
        outerStepSize: config.outerLr,
        totalSteps: config.metaSteps > 0 ? config.metaSteps : undefined,
      });
  }
}
