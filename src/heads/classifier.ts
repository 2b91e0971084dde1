// Puts a head on an embedding model: one tf.LayersModel from image to logits, so a bundle
// holds the whole classifier and needs nothing else at prediction time.
import * as tf from '@tensorflow/tfjs';

export function attachHead(
  embedding: tf.LayersModel,
  head: tf.layers.Layer,
  name = 'classifier',
): tf.LayersModel {
  const logits = head.apply(embedding.outputs[0]) as tf.SymbolicTensor;
  return tf.model({ inputs: embedding.inputs, outputs: logits, name });
}

/** Top-1 accuracy of logits [n, classes] against integer labels. */
export function accuracy(logits: tf.Tensor2D, labels: Int32Array): number {
  const predicted = tf.tidy(() => logits.argMax(1).dataSync());
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length ? correct / labels.length : Number.NaN;
}
