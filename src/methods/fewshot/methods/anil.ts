// `anil`: Almost No Inner Loop (Raghu et al. 2020): MAML whose inner loop adapts only the linear
// head, on the embeddings, while the outer loop meta-learns the body and the head's init. The
// inner gradient is then a Dense layer's, so second order needs no backprop kernel to be
// differentiable again and runs on every body (the default when the probe finds no blocker).
// At test time the body is a fixed embedding (inference mode, so the evaluator embeds each image
// once) and only a copy of the head init is fine-tuned per episode.
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingLearner } from '../learner.js';
import { argmaxRows } from '../losses.js';
import { bodyStatistics } from '../network.js';
import { adamCheckpointing } from './adam-state.js';
import {
  chooseOrder,
  disposeReplaced,
  HeadedModel,
  headGradients,
  headLogits,
  type MetaNetwork,
  metaGradients,
  prototypeHead,
} from './maml.js';
import { ANIL_DEFAULTS, type MamlOptionsInput, resolveMamlOptions } from './options.js';

export function createAnil(network: MetaNetwork, options: MamlOptionsInput = {}): EmbeddingLearner {
  // The inner loop is the head's by definition: innerScope is not an option here.
  const o = { ...resolveMamlOptions(options, ANIL_DEFAULTS), innerScope: 'head' as const };
  const model = new HeadedModel(network, o.maxWays, o.seed, o.headInit);
  let order: ReturnType<typeof chooseOrder>;
  try {
    order = chooseOrder(model, 'head', o.firstOrder, 'anil');
  } catch (err) {
    model.dispose();
    throw err;
  }
  const optimizer = tf.train.adam(o.outerLr);
  const train = { steps: o.innerSteps, lr: o.innerLr, scope: 'head' as const, ...order };
  return {
    method: 'anil',
    kind: 'embedding',
    embed: (x) => tf.tidy(() => network.body.apply(x, { training: false }) as tf.Tensor2D),
    async classify(support, labels, query, ways) {
      model.checkWays(ways, 'anil');
      // Parameters [head kernel, head bias] only: the embeddings are given.
      const init =
        o.headInit === 'prototypes'
          ? prototypeHead(support, labels, ways)
          : [model.kernel, model.bias];
      let head: tf.Tensor[] = init;
      for (let s = 0; s < o.testInnerSteps; s++) {
        const next = tf.tidy(() => {
          const g = headGradients(support, head[0]!, head[1]!, { labels, ways });
          return head.map((p, i) => tf.sub(p, tf.mul(g[i]!, o.innerLr)));
        });
        disposeReplaced(head, next, init);
        head = next;
      }
      const logits = headLogits(query, head[0]!, head[1]!, ways);
      disposeReplaced(head, [], init);
      if (o.headInit === 'prototypes') tf.dispose(init);
      const out = await argmaxRows(logits);
      logits.dispose();
      return out;
    },
    async metaStep(episodes) {
      for (const e of episodes) model.checkWays(e.ways, 'anil');
      const { grads, loss, accuracy } = await metaGradients(model, episodes, train);
      const vars = model.variables();
      optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      tf.dispose(grads);
      return { loss, accuracy };
    },
    statisticVariables: () => bodyStatistics(network),
    metaVariables: () => model.variables(),
    ...adamCheckpointing(optimizer),
    describe: () => ({
      innerSteps: o.innerSteps,
      testInnerSteps: o.testInnerSteps,
      innerLr: o.innerLr,
      innerOptimizer: 'sgd (head only)',
      headInit: o.headInit,
      outerLr: o.outerLr,
      outerOptimizer: 'adam',
      order: order.firstOrder ? 'first' : 'second',
      ...(order.why ? { firstOrderBecause: order.why } : {}),
      maxWays: o.maxWays,
    }),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}
