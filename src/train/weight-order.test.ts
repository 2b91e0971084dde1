import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { orderedWeights } from './weight-order.js';

function nestedModel(): tf.LayersModel {
  const inner = tf.sequential({
    name: 'inner',
    layers: [
      tf.layers.dense({ units: 4, inputShape: [3], name: 'i1' }),
      tf.layers.batchNormalization({ name: 'ibn' }),
    ],
  });
  const input = tf.input({ shape: [3] });
  const h = inner.apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, name: 'o' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const names = (ws: tf.LayerVariable[]) => ws.map((w) => w.originalName);

test('orderedWeights holds every weight once and keeps its order when layers are frozen', () => {
  const model = nestedModel();
  const before = names(orderedWeights(model));
  assert.deepEqual(before, [
    'i1/kernel',
    'i1/bias',
    'ibn/gamma',
    'ibn/beta',
    'ibn/moving_mean',
    'ibn/moving_variance',
    'o/kernel',
    'o/bias',
  ]);
  assert.deepEqual([...before].sort(), names(model.weights).sort());
  const modelOrder = names(model.weights);
  (model.getLayer('inner') as tf.LayersModel).getLayer('i1').trainable = false;
  // The reason this exists: tfjs moves frozen weights to the end of model.weights.
  assert.notDeepEqual(names(model.weights), modelOrder);
  assert.deepEqual(names(orderedWeights(model)), before);
  model.getLayer('inner').trainable = false;
  assert.deepEqual(names(orderedWeights(model)), before);
});
