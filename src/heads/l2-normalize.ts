// A layer that scales each feature vector to unit length, the cosine head's fixed feature
// transform. Registered with tfjs serialization; bundle/bundle.ts imports it so every bundle
// loader knows the class.
import * as tf from '@tensorflow/tfjs';

/** Squared norms below this are treated as this, so an all-zero embedding maps to zero, not NaN. */
export const L2_EPSILON = 1e-12;

export class L2Normalize extends tf.layers.Layer {
  static className = 'VisiontuneL2Normalize';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name, trainable: false });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() =>
      x.mul(tf.rsqrt(tf.maximum(x.square().sum(-1, true), tf.scalar(L2_EPSILON)))),
    );
  }
}

tf.serialization.registerClass(L2Normalize);
