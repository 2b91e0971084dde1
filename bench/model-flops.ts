// Training FLOPs of a step of bench/train-step.ts's model, counted from its layer shapes:
// forward = 2 x the multiply-adds of every Conv2D, DepthwiseConv2D and Dense layer (output
// positions x kernel window x input channels per group x output channels); training = 3 x forward
// (the backward pass computes two products of the same size per layer: input and weight
// gradients). BatchNorm, activations and the optimizer are not counted (memory-bound, and small
// in FLOPs), as is usual for GFLOP/s figures.
import type * as tf from '@tensorflow/tfjs';
import { createModel } from '../src/backbones/index.js';

type Shape = (number | null)[];

/** Forward multiply-adds of one layer for one image (0 for layers without a product). */
function layerMacs(layer: tf.layers.Layer): number {
  const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (nested) return nested.reduce((sum, inner) => sum + layerMacs(inner), 0);
  const cls = layer.getClassName();
  const out = (layer.output as tf.SymbolicTensor).shape as Shape;
  const inShape = (layer.input as tf.SymbolicTensor).shape as Shape;
  const config = layer.getConfig() as { kernelSize?: number[]; depthMultiplier?: number };
  if (cls === 'Conv2D') {
    const [kh, kw] = config.kernelSize!;
    return out[1]! * out[2]! * kh! * kw! * inShape[3]! * out[3]!;
  }
  if (cls === 'DepthwiseConv2D') {
    const [kh, kw] = config.kernelSize!;
    return out[1]! * out[2]! * kh! * kw! * out[3]!;
  }
  if (cls === 'Dense') return inShape.at(-1)! * out.at(-1)!;
  return 0;
}

/** Training FLOPs of one step of MobileNetV2 (10 classes) at `size` px and `batch` images. */
export async function mobilenetV2TrainingFlops(size: number, batch: number): Promise<number> {
  const { model } = await createModel('mobilenet_v2', {
    numClasses: 10,
    inputSize: size,
    seed: 1,
    pretrained: false,
  });
  const macs = model.layers.reduce((sum, layer) => sum + layerMacs(layer), 0);
  if (!(macs > 0)) throw new Error('model-flops: no Conv2D / DepthwiseConv2D / Dense layers found');
  model.dispose();
  return 3 * 2 * macs * batch;
}
