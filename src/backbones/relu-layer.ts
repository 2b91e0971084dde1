// tfjs-layers' ReLU layer computes ReLU(max_value=6) (every activation of MobileNetV2) as relu
// followed by clipByValue, so training runs two gradients (Step + Multiply, then a masked Select)
// over each activation. This subclass runs the single Relu6 kernel instead: the same values and
// the same gradient (1 on 0 < x <= 6), one op each way. It replaces the registered class, so
// deserialized models get it too; layers built in code get it through `reLU()`.
import * as tf from '@tensorflow/tfjs';

const ReLU = Object.getPrototypeOf(tf.layers.reLU({})).constructor as {
  new (args: object): tf.layers.Layer;
  className: string;
};

class ReLUFused extends ReLU {
  static override className = 'ReLU';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
    const maxValue = (this as unknown as { maxValue?: number }).maxValue;
    if (maxValue !== 6) return super.call(inputs, kwargs);
    return tf.relu6(Array.isArray(inputs) ? inputs[0]! : inputs);
  }
}

tf.serialization.registerClass(
  ReLUFused as unknown as Parameters<typeof tf.serialization.registerClass>[0],
);

/** tf.layers.reLU with this file's single-kernel ReLU6. */
export function reLU(args: Parameters<typeof tf.layers.reLU>[0] = {}): tf.layers.Layer {
  return new ReLUFused(args);
}
