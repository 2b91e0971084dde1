// `protonet`: prototypical networks (Snell et al., 2017). Meta-training makes the embedding one
// where a class is its mean: each episode's queries are classified by softmax over negative
// squared euclidean distances to the support means, and the cross-entropy of that is the loss.
// Test time is the same rule, no adaptation. Outer optimizer Adam, as in the paper. The distances
// are multiplied by a learned scale (metric scaling, Oreshkin et al. 2018, TADAM): pretrained
// embeddings are wide (1280-d) and their squared distances large, so an unscaled softmax starts
// saturated, with confident mistakes whose gradients wreck the pretrained features. The scale is
// set from the first batch so the mean logit is −INITIAL_LOGIT; it never changes the argmax.
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingLearner } from '../learner.js';
import {
  accuracyOf,
  argmaxRows,
  episodeCrossEntropy,
  negSquaredDistances,
  prototypes,
} from '../losses.js';
import type { FewShotNetwork } from '../network.js';
import { bodyStatistics } from '../network.js';
import { adamState, restoreAdam } from './adam-state.js';
import { embedWith, prototypeLogits } from './centroid.js';

export interface ProtonetOptions {
  lr: number;
}

export function metaVariablesOf(network: FewShotNetwork): tf.Variable[] {
  return network.body.trainableWeights.map((w) => w.read() as tf.Variable);
}

const INITIAL_LOGIT = 5;

const scaleVariable = (logValue: number) =>
  tf.variable(tf.scalar(logValue), true, 'protonet_log_scale');

export function createProtonet(
  network: FewShotNetwork,
  options: ProtonetOptions,
): EmbeddingLearner {
  const optimizer = tf.train.adam(options.lr);
  const variables = metaVariablesOf(network);
  let logScale: tf.Variable | undefined;
  return {
    method: 'protonet',
    kind: 'embedding',
    embed: (x) => embedWith(network, x),
    async classify(support, labels, query, ways) {
      const logits = prototypeLogits(support, labels, query, ways, 'euclidean');
      const out = await argmaxRows(logits);
      logits.dispose();
      return out;
    },
    async metaStep(episodes) {
      let accuracy = 0;
      const predictions: tf.Tensor[] = [];
      const loss = optimizer.minimize(
        () => {
          const losses = episodes.map((e) => {
            const ns = e.supportLabels.length;
            const emb = network.body.apply(tf.concat([e.support, e.query]), {
              training: true,
            }) as tf.Tensor2D;
            const protos = prototypes(emb.slice([0, 0], [ns, -1]), e.supportLabels, e.ways);
            const distances = negSquaredDistances(emb.slice([ns, 0], [-1, -1]), protos);
            logScale ??= scaleVariable(
              Math.log(INITIAL_LOGIT / -tf.mean(distances).dataSync()[0]!),
            );
            const logits = tf.mul(distances, tf.exp(logScale)) as tf.Tensor2D;
            predictions.push(tf.keep(tf.argMax(logits, 1)));
            return episodeCrossEntropy(logits, e.queryLabels, e.ways);
          });
          return tf.div(tf.addN(losses), losses.length) as tf.Scalar;
        },
        true,
        logScale ? [...variables, logScale] : variables,
      ) as tf.Scalar;
      for (const [i, p] of predictions.entries()) {
        accuracy += accuracyOf(Int32Array.from(await p.data()), episodes[i]!.queryLabels);
      }
      const value = (await loss.data())[0]!;
      tf.dispose([loss, ...predictions]);
      return { loss: value, accuracy: accuracy / episodes.length };
    },
    statisticVariables: () => bodyStatistics(network),
    metaVariables: () => (logScale ? [...variables, logScale] : variables),
    async getTrainingState() {
      const state = await adamState(optimizer);
      return { ...state, counters: { ...state.counters, scaled: logScale ? 1 : 0 } };
    },
    async setTrainingState(state) {
      await restoreAdam(optimizer, state);
      // Its value comes with the meta-variables; it must exist for them to be assigned.
      if (state.counters.scaled) logScale ??= tf.tidy(() => scaleVariable(0));
    },
    describe: () => ({ metric: 'squared euclidean', lr: options.lr, optimizer: 'adam' }),
    dispose: () => {
      optimizer.dispose();
      logScale?.dispose();
    },
  };
}
