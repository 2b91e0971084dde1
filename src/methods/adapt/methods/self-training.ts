// Self-training, FixMatch-style (Sohn et al., 2020): the prediction on a weakly augmented target
// image becomes a pseudo-label when its confidence reaches the threshold (0.95), and the network
// is trained to predict it on a strongly augmented view of the same image. The loss is averaged
// over all target images of the batch (masked ones count as 0), as in the paper.
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../losses/index.js';
import type { AdaptMethod, StepOutputs } from '../method.js';

export function selfTrainingMethod(threshold: number): AdaptMethod {
  let confident = 0;
  let seen = 0;
  return {
    name: 'selftrain',
    summary: `self-training (FixMatch-style): pseudo-labels from weakly augmented target images with confidence ≥ ${threshold}, learned on strongly augmented views`,
    usesTarget: true,
    needsStrongView: true,
    modules: [],
    transferLoss({ logits, strongLogits, sourceCount: ns, targetCount: nt }: StepOutputs) {
      if (!strongLogits) throw new Error('selftrain: the batch has no strong target view');
      const weak = stopGradient(tf.softmax(logits.slice([ns, 0], [nt, -1]))) as tf.Tensor2D;
      const confidence = weak.max(1);
      const mask = tf.greaterEqual(confidence, threshold).cast('float32');
      const pseudo = tf.oneHot(weak.argMax(1), weak.shape[1]);
      const perImage = tf.losses.softmaxCrossEntropy(
        pseudo,
        strongLogits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      );
      confident += mask.sum().dataSync()[0]!;
      seen += nt;
      return tf.mean(tf.mul(perImage, mask)) as tf.Scalar;
    },
    takeEpochStats() {
      const stats: Record<string, number> = seen > 0 ? { pseudo_label_rate: confident / seen } : {};
      confident = 0;
      seen = 0;
      return stats;
    },
    dispose() {},
  };
}
