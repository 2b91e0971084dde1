// What the importer's custom layers (layers.ts, view-layers.ts) share: their constructor
// arguments and reading one input and its shape. (Each of those files registers its own classes,
// so bundle/custom-layers.ts lists both.)
import type * as tf from '@tensorflow/tfjs';

export type Args = { name?: string; trainable?: boolean };

export const single = (x: tf.Tensor | tf.Tensor[]) => (Array.isArray(x) ? x[0] : x);

export const inputShapeOf = (inputShape: tf.Shape | tf.Shape[]) =>
  (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
