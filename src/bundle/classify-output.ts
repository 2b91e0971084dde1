// A classifier's logits to what predict reports: softmax probabilities and the top k classes.
// Platform-free: Node's predict and the browser entry read outputs through these two functions.
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

/** The `k` most probable classes of one row, most probable first (ties: the lower index). */
export function topClasses(probs: Float32Array, labels: readonly string[], k: number): Scored[] {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b);
  return order
    .slice(0, Math.min(k, probs.length))
    .map((index) => ({ label: labels[index] ?? String(index), index, probability: probs[index]! }));
}
