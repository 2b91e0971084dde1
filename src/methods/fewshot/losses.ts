// Episode losses and accuracy shared by the methods.
import * as tf from '@tensorflow/tfjs';

/**
 * Mean cross-entropy of logits [n, ways] against episode labels. Not twice differentiable in
 * tfjs 4.22 (logSoftmax's gradient reuses its saved output); second-order MAML/ANIL use
 * crossEntropyTwice from methods/second-order.ts.
 */
export function episodeCrossEntropy(
  logits: tf.Tensor2D,
  labels: Int32Array,
  ways: number,
  logSoftmax: (x: tf.Tensor2D) => tf.Tensor = tf.logSoftmax,
): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), ways);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Fraction of rows whose argmax is the label. */
export function accuracyOf(predicted: Int32Array, labels: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return labels.length ? hits / labels.length : 0;
}

export async function argmaxRows(logits: tf.Tensor2D): Promise<Int32Array> {
  const ix = tf.argMax(logits, 1);
  const out = Int32Array.from(await ix.data());
  ix.dispose();
  return out;
}

/** Class means [ways, dim] of embeddings [n, dim] with episode labels. */
export function prototypes(embeddings: tf.Tensor2D, labels: Int32Array, ways: number): tf.Tensor2D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), ways).toFloat(); // [n, ways]
    const sums = tf.matMul(onehot, embeddings, true, false); // [ways, dim]
    return tf.div(sums, tf.sum(onehot, 0).reshape([ways, 1])) as tf.Tensor2D;
  });
}

/** −‖q − p‖² for every query row and prototype: [nq, ways]. */
export function negSquaredDistances(query: tf.Tensor2D, protos: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const qq = tf.sum(tf.square(query), 1, true); // [nq, 1]
    const pp = tf.sum(tf.square(protos), 1).reshape([1, -1]); // [1, ways]
    const qp = tf.matMul(query, protos, false, true); // [nq, ways]
    return tf.neg(tf.add(tf.sub(qq, tf.mul(qp, 2)), pp)) as tf.Tensor2D;
  });
}

/** Cosine similarity of every query row with every prototype: [nq, ways]. */
export function cosineSimilarities(query: tf.Tensor2D, protos: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-12));
    return tf.matMul(unit(query), unit(protos), false, true) as tf.Tensor2D;
  });
}
