// The input Normalization layer of a Keras EfficientNet file, by Keras's arithmetic (x − mean) /
// √variance / √stddev: ImageNet's statistics are dropped; another scale is folded into the stem
// conv so the weights see what Keras's model saw; another mean is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import type { KerasLayerWeights } from './keras-h5.js';
import { torchMode } from './keras-spec.js';
import { withoutInputNormalization } from './normalization-layer.js';

const array = (name: string, values: number[], shape = [values.length]) => ({
  name,
  shape,
  data: Float32Array.from(values),
});
// A 3x3 stem conv from 3 channels to 2, random values.
const kernelValues = Array.from({ length: 3 * 3 * 3 * 2 }, (_, i) => Math.sin(i + 1));
const stem: KerasLayerWeights = {
  layer: 'stem_conv',
  weights: [array('stem_conv/kernel:0', kernelValues, [3, 3, 3, 2])],
};
const normalization = (mean: number[], variance: number[]): KerasLayerWeights => ({
  layer: 'normalization',
  weights: [
    array('normalization/mean:0', mean),
    array('normalization/variance:0', variance),
    array('normalization/count:0', [0]),
  ],
});
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const fold = (layers: KerasLayerWeights[]) =>
  withoutInputNormalization(layers, 'b0.h5', torchMode(), 'stem_conv');

test('Keras’s EfficientNet statistics are ImageNet’s mean/std: the layer is dropped', () => {
  const layers = [normalization(IMAGENET_MEAN, [0.229, 0.224, 0.225]), stem];
  assert.deepEqual(fold(layers), [stem]);
  assert.deepEqual(fold([stem]), [stem]);
});

test('another scale is folded into the stem: the conv of our input equals Keras’s', () => {
  // The true variance (std²): Keras's model would see (x − mean) / std^1.5.
  const variance = [0.229 ** 2, 0.224 ** 2, 0.225 ** 2];
  const [folded] = fold([normalization(IMAGENET_MEAN, variance), stem]);
  assert.equal(folded!.layer, 'stem_conv');
  const pixels = tf.randomUniform([1, 5, 5, 3], 0, 1, 'float32', 7);
  const { mean, std } = torchMode();
  const conv = (x: tf.Tensor4D, k: KerasLayerWeights) =>
    tf.conv2d(x, tf.tensor4d(k.weights[0]!.data, [3, 3, 3, 2]), 2, 'same');
  const ours = conv(pixels.sub(mean).div(std) as tf.Tensor4D, folded!);
  const kerasStd = variance.map((v, c) => Math.sqrt(v * std[c]!));
  const keras = conv(pixels.sub(mean).div(kerasStd) as tf.Tensor4D, stem);
  const err = ours.sub(keras).abs().max().dataSync()[0]!;
  assert.ok(err < 1e-5, `max |ours − Keras| ${err}`);
  tf.dispose([pixels, ours, keras]);
});

test('another mean is refused naming the file and the layer', () => {
  assert.throws(
    () => fold([normalization([0.5, 0.5, 0.5], [0.229, 0.224, 0.225]), stem]),
    (e: unknown) =>
      e instanceof VisiontuneError &&
      e.code === 'BAD_INPUT' &&
      e.message.startsWith("b0.h5: layer 'normalization' subtracts the mean [0.5,0.5,0.5]"),
  );
});
