// Shared by the Keras Applications architectures written in code (ResNet, DenseNet, MobileNetV3,
// EfficientNet, ConvNeXt): layers with Keras's defaults and seeded initializers, so each
// family file states only its topology — the layer names and order a Keras weight file expects.
import * as tf from '@tensorflow/tfjs';
import { initializerSeed } from '../util/init-seed.js';
import { batchNormalization } from './batchnorm-fix.js';

export type Sym = tf.SymbolicTensor;

export interface ConvOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  useBias?: boolean;
  activation?: 'relu' | 'sigmoid' | 'swish';
}

export type KerasKit = ReturnType<typeof kerasKit>;

/**
 * Layer factories whose initializers draw distinct seeds from `seed`, in creation order.
 * He-uniform: He-normal's variance, drawn ~5× faster by tfjs (a 60M-weight body builds in ~1 s).
 */
export function kerasKit(seed: number) {
  let next = seed;
  const init = () => tf.initializers.heUniform({ seed: initializerSeed(next++) });
  const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
  return {
    apply,
    /** `x` through `layers` in sequence. */
    chain: (x: Sym, ...layers: tf.layers.Layer[]) => layers.reduce((h, l) => apply(l, h), x),
    conv: (name: string, filters: number, kernel: number, o: ConvOptions = {}) =>
      tf.layers.conv2d({
        name,
        filters,
        kernelSize: kernel,
        strides: o.strides ?? 1,
        padding: o.padding ?? 'same',
        useBias: o.useBias ?? false,
        activation: o.activation,
        kernelInitializer: init(),
      }),
    depthwise: (name: string, kernel: number, o: ConvOptions = {}) =>
      tf.layers.depthwiseConv2d({
        name,
        kernelSize: kernel,
        strides: o.strides ?? 1,
        padding: o.padding ?? 'same',
        useBias: o.useBias ?? false,
        depthwiseInitializer: init(),
      }),
    bn: (name: string, epsilon: number, momentum = 0.99) =>
      batchNormalization({ name, epsilon, momentum }),
    act: (name: string, activation: 'relu' | 'swish' | 'sigmoid') =>
      tf.layers.activation({ name, activation }),
    /** Keras's GlobalAveragePooling2D(keepdims=True): pooled, then back to [1, 1, C]. */
    squeeze: (x: Sym, name: string, reshapeName: string) => {
      const channels = x.shape[3]!;
      const pooled = apply(tf.layers.globalAveragePooling2d({ name }), x);
      return apply(tf.layers.reshape({ targetShape: [1, 1, channels], name: reshapeName }), pooled);
    },
  };
}

/** Keras's _make_divisible / _depth: round to a multiple of `divisor`, never dropping more than 10%. */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}
