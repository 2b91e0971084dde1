// `finetune-head`: the "Baseline" of Chen et al. (2019, A Closer Look at Few-shot
// Classification): a new linear classifier trained on each episode's support embeddings, the
// embedding itself fixed. Full batch (a support set is at most a few dozen images) with Adam,
// which does not need its lr retuned to the scale of each backbone's features.
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingLearner } from '../learner.js';
import { argmaxRows, episodeCrossEntropy } from '../losses.js';
import type { FewShotNetwork } from '../network.js';
import { embedWith } from './centroid.js';

export interface FinetuneHeadOptions {
  /** Optimizer steps per episode (Chen et al.: 100). */
  steps: number;
  lr: number;
  seed: number;
}

export function createFinetuneHead(
  network: FewShotNetwork,
  options: FinetuneHeadOptions,
): EmbeddingLearner {
  let episode = 0;
  return {
    method: 'finetune-head',
    kind: 'embedding',
    embed: (x) => embedWith(network, x),
    async classify(support, labels, query, ways) {
      const dim = support.shape[1];
      const seed = options.seed * 100_003 + episode++;
      const kernel = tf.variable(
        tf.randomUniform([dim, ways], -1, 1, 'float32', seed).mul(Math.sqrt(6 / (dim + ways))),
      );
      const bias = tf.variable(tf.zeros([ways]));
      const optimizer = tf.train.adam(options.lr);
      for (let s = 0; s < options.steps; s++) {
        optimizer.minimize(
          () =>
            episodeCrossEntropy(
              tf.add(tf.matMul(support, kernel), bias) as tf.Tensor2D,
              labels,
              ways,
            ),
          false,
          [kernel, bias],
        );
      }
      const logits = tf.tidy(() => tf.add(tf.matMul(query, kernel), bias) as tf.Tensor2D);
      const out = await argmaxRows(logits);
      tf.dispose([logits, kernel, bias]);
      optimizer.dispose();
      return out;
    },
    metaVariables: () => [],
    describe: () => ({ steps: options.steps, lr: options.lr, optimizer: 'adam (full batch)' }),
    dispose: () => {},
  };
}
