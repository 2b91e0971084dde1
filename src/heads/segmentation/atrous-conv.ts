// Atrous (dilated) 3×3 convolution, 'same' padding, as TensorFlow's atrous_conv2d computes it:
// space-to-batch by the rate, an ordinary convolution, batch-to-space. tfjs can run a dilated
// conv2d forward but has no gradient for one ("dilation rates greater than 1 are not yet
// supported in gradients"); space-to-batch, conv and batch-to-space all have gradients, so this
// layer trains. Registered for serialization so bundles load it.
import * as tf from '@tensorflow/tfjs';

export interface AtrousConv2DArgs {
  filters: number;
  kernelSize?: number;
  rate: number;
  useBias?: boolean;
  seed?: number;
  name?: string;
  trainable?: boolean;
}

/** [before, after] padding of one axis so that, after the atrous conv, the size is unchanged. */
export function atrousPadding(size: number, kernel: number, rate: number) {
  const total = (kernel - 1) * rate;
  const before = Math.floor(total / 2);
  // Extra rows so the padded size divides by the rate; cropped off again after batch-to-space.
  const extra = (rate - ((size + total) % rate)) % rate;
  return { pad: [before, total - before + extra] as [number, number], extra };
}

export class AtrousConv2D extends tf.layers.Layer {
  static className = 'VisiontuneAtrousConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly rate: number;
  readonly useBias: boolean;
  private readonly seed?: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: AtrousConv2DArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize ?? 3;
    this.rate = args.rate;
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const k = this.kernelSize;
    this.kernel = this.addWeight(
      'kernel',
      [k, k, shape[3] as number, this.filters],
      'float32',
      tf.initializers.heNormal({ seed: this.seed }),
    );
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[1], shape[2], this.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [, h, w] = x.shape;
      const r = this.rate;
      const py = atrousPadding(h, this.kernelSize, r);
      const px = atrousPadding(w, this.kernelSize, r);
      const spread = tf.spaceToBatchND(x, [r, r], [py.pad, px.pad]) as tf.Tensor4D;
      let y: tf.Tensor4D = tf.conv2d(spread, this.kernel!.read() as tf.Tensor4D, 1, 'valid');
      y = tf.batchToSpaceND(
        y,
        [r, r],
        [
          [0, py.extra],
          [0, px.extra],
        ],
      ) as tf.Tensor4D;
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      rate: this.rate,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(AtrousConv2D);
