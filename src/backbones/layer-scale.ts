// ConvNeXt's layer scale (Touvron et al. 2021, "CaiT"): a learned per-channel factor on each
// residual branch, initialized small (Keras: 1e-6) so blocks start near identity. tfjs-layers has
// no such layer; this one holds the `gamma` weight of Keras's convnext.LayerScale. Registered for
// serialization, so bundles holding it load in Node and the browser (bundle/custom-layers.ts).
import * as tf from '@tensorflow/tfjs';

interface LayerScaleArgs {
  name?: string;
  trainable?: boolean;
  /** Initial value of every channel's factor. */
  initValue: number;
  /** Channels (the input's last axis). */
  channels: number;
}

class LayerScale extends tf.layers.Layer {
  static className = 'VisiontuneLayerScale';
  private readonly initValue: number;
  private readonly channels: number;
  private gamma?: tf.LayerVariable;

  constructor(args: LayerScaleArgs) {
    super(args);
    this.initValue = args.initValue;
    this.channels = args.channels;
  }

  override build(): void {
    this.gamma = this.addWeight(
      'gamma',
      [this.channels],
      'float32',
      tf.initializers.constant({ value: this.initValue }),
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.mul(x, this.gamma!.read()));
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]) {
    return shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initValue: this.initValue, channels: this.channels };
  }
}

tf.serialization.registerClass(LayerScale);

export const layerScale = (args: LayerScaleArgs): tf.layers.Layer => new LayerScale(args);
