// MobileNetV3's piecewise-linear activations (Howard et al. 2019) as layers, since tfjs-layers
// has neither (its 'hardSigmoid' is Keras 2's 0.2x + 0.5, a different function): hard sigmoid
// relu6(x + 3) / 6 and hard swish x · relu6(x + 3) / 6, Keras 3's definitions. Registered for
// serialization, so bundles holding them load in Node and the browser (bundle/custom-layers.ts).
import * as tf from '@tensorflow/tfjs';

const hardSigmoidOf = (x: tf.Tensor) => tf.div(tf.relu6(tf.add(x, 3)), 6);

abstract class Elementwise extends tf.layers.Layer {
  protected abstract fn(x: tf.Tensor): tf.Tensor;

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => this.fn(x));
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]) {
    return shape;
  }
}

class HardSigmoid extends Elementwise {
  static className = 'VisiontuneHardSigmoid';
  protected fn = hardSigmoidOf;
}

class HardSwish extends Elementwise {
  static className = 'VisiontuneHardSwish';
  protected fn = (x: tf.Tensor) => tf.mul(x, hardSigmoidOf(x));
}

tf.serialization.registerClass(HardSigmoid);
tf.serialization.registerClass(HardSwish);

export const hardSigmoid = (name: string): tf.layers.Layer => new HardSigmoid({ name });
export const hardSwish = (name: string): tf.layers.Layer => new HardSwish({ name });
