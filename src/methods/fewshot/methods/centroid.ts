// `centroid`: nearest class mean of the network's embeddings, no training at all — the baseline
// every few-shot method has to beat. Cosine or (squared) euclidean distance.
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingLearner } from '../learner.js';
import { argmaxRows, cosineSimilarities, negSquaredDistances, prototypes } from '../losses.js';
import type { FewShotNetwork } from '../network.js';

export type Metric = 'cosine' | 'euclidean';

/** Inference-mode embeddings of cut features through the network body. */
export function embedWith(network: FewShotNetwork, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => network.body.apply(x, { training: false }) as tf.Tensor2D);
}

/** Logits of queries against the support prototypes under `metric`. */
export function prototypeLogits(
  support: tf.Tensor2D,
  labels: Int32Array,
  query: tf.Tensor2D,
  ways: number,
  metric: Metric,
): tf.Tensor2D {
  return tf.tidy(() => {
    const protos = prototypes(support, labels, ways);
    return metric === 'cosine'
      ? cosineSimilarities(query, protos)
      : negSquaredDistances(query, protos);
  });
}

export function createCentroid(network: FewShotNetwork, metric: Metric): EmbeddingLearner {
  return {
    method: 'centroid',
    kind: 'embedding',
    embed: (x) => embedWith(network, x),
    async classify(support, labels, query, ways) {
      const logits = prototypeLogits(support, labels, query, ways, metric);
      const out = await argmaxRows(logits);
      logits.dispose();
      return out;
    },
    metaVariables: () => [],
    describe: () => ({ metric }),
    dispose: () => {},
  };
}
