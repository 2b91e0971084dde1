// The loss of one adaptation step: cross-entropy on the source rows plus tradeoff × the method's
// transfer loss. With domain-specific BatchNorm each domain's rows pass the network separately,
// so batch statistics are never mixed across domains.
import * as tf from '@tensorflow/tfjs';
import type { PairedBatch } from '../../train/paired-loader.js';
import type { AdaptConfig } from './config.js';
import type { AdaptMethod } from './method.js';

/** Source CE + tradeoff × transfer loss; domain-specific BN runs each domain's rows separately. */
export function stepLoss(
  net: tf.LayersModel,
  method: AdaptMethod,
  config: Pick<AdaptConfig, 'domainBn' | 'tradeoff'>,
  classes: number,
  batch: PairedBatch,
  progress: number,
  transferSum: { value: number; steps: number },
): tf.Scalar {
  const { sourceCount: ns } = batch;
  const nt = batch.targetCount;
  let features: tf.Tensor2D;
  let logits: tf.Tensor2D;
  if (config.domainBn && nt > 0) {
    const rows = [ns, nt, ...(batch.hasStrongView ? [nt] : [])];
    const parts = tf.split(batch.x, rows, 0);
    const outs = parts.map((p) => net.apply(p, { training: true }) as tf.Tensor2D[]);
    features = tf.concat(outs.map((o) => o[0]!)) as tf.Tensor2D;
    logits = tf.concat(outs.map((o) => o[1]!)) as tf.Tensor2D;
  } else {
    [features, logits] = net.apply(batch.x, { training: true }) as tf.Tensor2D[] as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
  }
  const sourceLogits = logits.slice([0, 0], [ns, classes]);
  const onehot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes);
  const ce = tf.losses.softmaxCrossEntropy(onehot, sourceLogits) as tf.Scalar;
  const transfer = method.transferLoss({
    features: features.slice([0, 0], [ns + nt, -1]),
    logits: logits.slice([0, 0], [ns + nt, -1]),
    sourceCount: ns,
    targetCount: nt,
    strongLogits: batch.hasStrongView && nt > 0 ? logits.slice([ns + nt, 0], [nt, -1]) : undefined,
    progress,
  });
  transferSum.value += transfer.dataSync()[0]!;
  transferSum.steps++;
  return tf.add(ce, tf.mul(transfer, config.tradeoff)) as tf.Scalar;
}
