// A classifier's logits to what predict reports: softmax probabilities and the top k classes;
// for a multi-label classifier (meta.multiLabel), independent sigmoid probabilities and the
// classes at or above a threshold. Platform-free: Node's predict and the browser entry read
// outputs through these functions.
import * as tf from '@tensorflow/tfjs';

export interface Scored {
  label: string;
  index: number;
  probability: number;
}

/** Softmax over the last axis of [batch, classes] logits, row-major (the tensor is kept). */
export async function softmaxRows(logits: tf.Tensor): Promise<Float32Array> {
  const probs = tf.softmax(logits);
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}

/** Default probability at or above which a multi-label classifier reports a class present. */
export const MULTI_LABEL_THRESHOLD = 0.5;

/** Sigmoid of each logit of [batch, classes] logits, row-major (the tensor is kept). */
export async function sigmoidRows(logits: tf.Tensor): Promise<Float32Array> {
  const probs = tf.sigmoid(logits);
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}

/** A classifier's probabilities: softmax rows, or per-class sigmoids when multi-label. */
export function probabilityRows(logits: tf.Tensor, multiLabel = false): Promise<Float32Array> {
  return multiLabel ? sigmoidRows(logits) : softmaxRows(logits);
}

/** The classes of one row at or above `threshold`, most probable first (multi-label). */
export function presentClasses(
  probs: Float32Array,
  labels: readonly string[],
  threshold: number,
): Scored[] {
  return topClasses(probs, labels, probs.length).filter((c) => c.probability >= threshold);
}

/** The `k` most probable classes of one row, most probable first (ties: the lower index). */
export function topClasses(probs: Float32Array, labels: readonly string[], k: number): Scored[] {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b);
  return order
    .slice(0, Math.min(k, probs.length))
    .map((index) => ({ label: labels[index] ?? String(index), index, probability: probs[index]! }));
}
