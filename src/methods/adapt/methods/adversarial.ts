// The adversarial methods: a domain discriminator behind a gradient reversal layer learns to tell
// source (1) from target (0) features while the network learns to fool it.
// - DANN (Ganin et al., 2016) feeds it the features; λ follows 2/(1+exp(−10p)) − 1.
// - CDAN (Long et al., 2018) feeds it the multilinear map of features and predictions (randomized
//   when d·c is large), and with entropy conditioning (CDAN+E) weights each sample by
//   1 + exp(−H(p)), normalized within each domain as the authors' code does.
import * as tf from '@tensorflow/tfjs';
import {
  chooseMap,
  createDomainDiscriminator,
  dannLambda,
  entropyWeights,
  gradientReversal,
  stopGradient,
  weightedBinaryCrossEntropy,
} from '../losses/index.js';
import type { AdaptMethod, MethodEnv, StepOutputs } from '../method.js';

export interface AdversarialOptions {
  conditional: boolean;
  entropyConditioning: boolean;
  hidden: number;
}

export function adversarialMethod(env: MethodEnv, options: AdversarialOptions): AdaptMethod {
  const map = options.conditional
    ? chooseMap(env.featureDim, env.classes, undefined, env.seed)
    : undefined;
  const discriminator = createDomainDiscriminator({
    inputDim: map ? map.outDim : env.featureDim,
    hidden: options.hidden,
    seed: env.seed + 7,
  });
  let correct = 0;
  let seen = 0;
  const name = options.conditional ? 'cdan' : 'dann';
  const conditioning = map
    ? `${map.kind} multilinear map (${map.outDim}-d)${options.entropyConditioning ? ', entropy conditioning (CDAN+E)' : ''}`
    : 'features';
  return {
    name,
    summary: `${name.toUpperCase()}: a ${options.hidden}-${options.hidden}-1 domain discriminator on the ${conditioning} behind gradient reversal, λ = 2/(1+exp(−10p)) − 1`,
    usesTarget: true,
    needsStrongView: false,
    modules: [discriminator],
    transferLoss(step: StepOutputs): tf.Scalar {
      const { features, logits, sourceCount: ns, targetCount: nt } = step;
      const lambda = dannLambda(step.progress);
      const probs = tf.softmax(logits) as tf.Tensor2D;
      // CDAN conditions on the predictions without back-propagating through them (authors' code).
      const input = map ? map.apply(features, stopGradient(probs)) : features;
      const domainLogits = (
        discriminator.apply(gradientReversal(input, lambda), { training: true }) as tf.Tensor2D
      ).reshape([ns + nt]);
      const isSource = tf.concat([tf.ones([ns]), tf.zeros([nt])]);
      let weights: tf.Tensor1D | undefined;
      if (map && options.entropyConditioning) {
        const w = entropyWeights(probs);
        const ws = w.slice(0, ns);
        const wt = w.slice(ns, nt);
        weights = tf.concat([tf.div(ws, ws.sum()), tf.div(wt, wt.sum())]) as tf.Tensor1D;
      }
      const predicted = tf.greater(domainLogits, 0).cast('float32');
      correct += tf.equal(predicted, isSource).sum().dataSync()[0]!;
      seen += ns + nt;
      return weightedBinaryCrossEntropy(domainLogits, isSource, weights);
    },
    takeEpochStats() {
      const stats: Record<string, number> = seen > 0 ? { disc_accuracy: correct / seen } : {};
      correct = 0;
      seen = 0;
      return stats;
    },
    dispose() {
      map?.dispose();
      discriminator.dispose();
    },
  };
}
