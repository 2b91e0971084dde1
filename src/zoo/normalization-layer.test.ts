// The input Normalization layer of a Keras EfficientNet file is checked against the entry's
// mean/std by Keras's arithmetic (variance holds the std; Keras divides once more by its root).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import type { KerasLayerWeights } from './keras-h5.js';
import { torchMode } from './keras-spec.js';
import { withoutInputNormalization } from './normalization-layer.js';

const array = (name: string, values: number[]) => ({
  name: `normalization/${name}:0`,
  shape: [values.length],
  data: Float32Array.from(values),
});
const conv: KerasLayerWeights = { layer: 'stem_conv', weights: [array('kernel', [1, 2])] };
const normalization = (mean: number[], variance: number[]): KerasLayerWeights => ({
  layer: 'normalization',
  weights: [array('mean', mean), array('variance', variance), array('count', [0])],
});

test('Keras’s EfficientNet statistics are ImageNet’s mean/std: the layer is dropped', () => {
  const layers = [normalization([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), conv];
  assert.deepEqual(withoutInputNormalization(layers, 'b0.h5', torchMode()), [conv]);
});

test('other statistics are refused naming the file and the layer; no layer: unchanged', () => {
  // The true variance (std²) is not what Keras's files hold: Keras would divide twice.
  const squared = [0.229 ** 2, 0.224 ** 2, 0.225 ** 2];
  assert.throws(
    () =>
      withoutInputNormalization(
        [normalization([0.485, 0.456, 0.406], squared), conv],
        'b0.h5',
        torchMode(),
      ),
    (e: unknown) =>
      e instanceof VisiontuneError &&
      e.code === 'BAD_INPUT' &&
      e.message.startsWith("b0.h5: layer 'normalization'"),
  );
  assert.throws(
    () =>
      withoutInputNormalization(
        [normalization([0.5, 0.5, 0.5], [0.229, 0.224, 0.225]), conv],
        'b0.h5',
        torchMode(),
      ),
    VisiontuneError,
  );
  assert.deepEqual(withoutInputNormalization([conv], 'b0.h5', torchMode()), [conv]);
});
