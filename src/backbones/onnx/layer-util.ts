// What the importer's custom layers (layers.ts, view-layers.ts) share: their constructor
// arguments, registration for tf.loadLayersModel, and reading one input and its shape.
import * as tf from '@tensorflow/tfjs';

export type Args = { name?: string; trainable?: boolean };

export const register = (cls: unknown) =>
  tf.serialization.registerClass(cls as Parameters<typeof tf.serialization.registerClass>[0]);

export const single = (x: tf.Tensor | tf.Tensor[]) => (Array.isArray(x) ? x[0] : x);

export const inputShapeOf = (inputShape: tf.Shape | tf.Shape[]) =>
  (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
