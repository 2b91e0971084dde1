// What layer converters share: tensors as the ONNX graph holds them, the NHWC ↔ NCHW bookkeeping,
// weights read out of a layer, and the Keras activations as ONNX nodes.
//
// TF.js layers run NHWC; ONNX's Conv, pooling and Resize run NCHW. Every rank-4 tensor is kept
// NCHW inside the exported graph (one transpose at the input, one at each rank-4 output), and a
// converter that needs TF.js's element order (Flatten, Reshape, Permute) asks for an NHWC view.
import * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from './graph-builder.js';

export type Shape = (number | null)[];

export interface Ref {
  /** The ONNX value's name. */
  name: string;
  /** The TF.js (NHWC) shape; the ONNX value is NCHW when the rank is 4. */
  shape: Shape;
}

/** Reading a layer's config needs loose typing: each class has its own keys. */
// biome-ignore lint/suspicious/noExplicitAny: layer configs are untyped dictionaries
export type LayerConfig = Record<string, any>;

export type LayerConverter = (
  ctx: ExportContext,
  layer: tf.layers.Layer,
  config: LayerConfig,
  inputs: Ref[],
  outputShape: Shape,
) => Ref;

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Where TF.js axis `axis` of a rank-`rank` tensor lives in the ONNX value. */
export function onnxAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return rank === 4 ? NHWC_TO_NCHW.indexOf(a) : a;
}

/** `values` of row-major `shape` with its axes reordered by `perm`. */
export function transposeValues(
  values: Float32Array,
  shape: number[],
  perm: number[],
): Float32Array {
  return tf.tidy(() => tf.transpose(tf.tensor(values, shape), perm).dataSync() as Float32Array);
}

export interface Weight {
  shape: number[];
  values: Float32Array;
}

const shortName = (w: tf.LayerVariable) => w.originalName.split('/').pop() ?? w.originalName;
const readWeight = (w: tf.LayerVariable): Weight => ({
  shape: [...w.shape] as number[],
  values: w.read().dataSync() as Float32Array,
});

export class ExportContext {
  constructor(readonly b: GraphBuilder) {}

  /** The layer's weights by their short name ('kernel', 'bias', 'gamma', 'moving_mean', …). */
  weights(layer: tf.layers.Layer): Map<string, Weight> {
    return new Map(layer.weights.map((w) => [shortName(w), readWeight(w)]));
  }

  weight(layer: tf.layers.Layer, short: string): Weight {
    const w = layer.weights.find((v) => shortName(v) === short);
    if (!w) throw new Error(`layer ${layer.name} has no weight '${short}'`);
    return readWeight(w);
  }

  /** The value in TF.js's NHWC element order (a transpose for rank-4 values). */
  nhwc(ref: Ref): string {
    return ref.shape.length === 4
      ? this.b.node('Transpose', [ref.name], { perm: NCHW_TO_NHWC }, `${ref.name}_nhwc`)
      : ref.name;
  }

  /** A value computed in NHWC order, stored the graph's way (NCHW when rank 4). */
  fromNhwc(name: string, shape: Shape): Ref {
    return shape.length === 4
      ? { name: this.b.node('Transpose', [name], { perm: NHWC_TO_NCHW }, `${name}_nchw`), shape }
      : { name, shape };
  }

  /** A per-channel (last TF.js axis) constant shaped to broadcast against a value of `rank`. */
  channelConstant(name: string, values: Float32Array | number[], rank: number): string {
    const dims = rank === 4 ? [values.length, 1, 1] : [values.length];
    return this.b.floats(name, dims, values);
  }

  private readonly scalars = new Map<number, string>();

  /** A float scalar initializer, one per distinct value. */
  scalar(name: string, value: number): string {
    let known = this.scalars.get(value);
    if (!known) {
      known = this.b.floats(name, [], [value]);
      this.scalars.set(value, known);
    }
    return known;
  }

  /** A Keras activation by its serialized name; softmax over `lastAxis` (TF.js's last axis
   * as the ONNX value holds it). */
  activation(x: string, activation: string | undefined, lastAxis: number, base: string): string {
    const b = this.b;
    switch (activation ?? 'linear') {
      case 'linear':
        return x;
      case 'relu':
        return b.node('Relu', [x], {}, `${base}_relu`);
      case 'relu6':
        return b.node(
          'Clip',
          [x, this.scalar('zero', 0), this.scalar('six', 6)],
          {},
          `${base}_relu6`,
        );
      case 'sigmoid':
        return b.node('Sigmoid', [x], {}, `${base}_sigmoid`);
      case 'tanh':
        return b.node('Tanh', [x], {}, `${base}_tanh`);
      case 'elu':
        return b.node('Elu', [x], {}, `${base}_elu`);
      case 'selu':
        return b.node('Selu', [x], {}, `${base}_selu`);
      case 'softplus':
        return b.node('Softplus', [x], {}, `${base}_softplus`);
      case 'softsign':
        return b.node('Softsign', [x], {}, `${base}_softsign`);
      case 'hardSigmoid':
        return b.node('HardSigmoid', [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } }, base);
      case 'softmax':
        return b.node('Softmax', [x], { axis: lastAxis }, `${base}_softmax`);
      case 'logSoftmax':
        return b.node('LogSoftmax', [x], { axis: lastAxis }, `${base}_logsoftmax`);
      case 'swish':
        return b.node(
          'Mul',
          [x, b.node('Sigmoid', [x], {}, `${base}_sigmoid`)],
          {},
          `${base}_swish`,
        );
      case 'mish': {
        const t = b.node('Tanh', [b.node('Softplus', [x], {}, `${base}_softplus`)]);
        return b.node('Mul', [x, t], {}, `${base}_mish`);
      }
      case 'gelu': {
        // 0.5·x·(1 + erf(x/√2)), as tfjs computes it.
        const erf = b.node('Erf', [b.node('Div', [x, this.scalar('sqrt2', Math.SQRT2)])]);
        const cdf = b.node('Mul', [
          b.node('Add', [erf, this.scalar('one', 1)]),
          this.scalar('half', 0.5),
        ]);
        return b.node('Mul', [x, cdf], {}, `${base}_gelu`);
      }
      default:
        throw new Error(`activation '${activation}' has no ONNX export`);
    }
  }
}
