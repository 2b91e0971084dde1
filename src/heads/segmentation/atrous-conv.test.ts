import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { AtrousConv2D } from './atrous-conv.js';

async function maxDiff(a: tf.Tensor, b: tf.Tensor) {
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
}

test('atrous conv equals tfjs’s dilated conv2d (forward) for several rates and odd sizes', async () => {
  await tf.setBackend('cpu');
  for (const [rate, h, w] of [
    [2, 9, 9],
    [3, 10, 7],
    [6, 8, 8],
    [4, 13, 16],
  ]) {
    const layer = new AtrousConv2D({ filters: 5, rate, seed: rate });
    const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', rate);
    const y = layer.apply(x) as tf.Tensor;
    const [kernel, bias] = layer.getWeights();
    const reference = tf.add(
      tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same', 'NHWC', rate),
      bias,
    );
    assert.deepEqual(y.shape, [2, h, w, 5]);
    assert.ok((await maxDiff(y, reference)) < 1e-4, `rate ${rate} ${h}x${w}`);
    tf.dispose([x, y, reference]);
  }
});

test('atrous conv has gradients (a dilated conv2d has none in tfjs) and serializes', async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [8, 8, 2] });
  const out = new AtrousConv2D({ filters: 3, rate: 2, seed: 1, name: 'aspp' }).apply(
    input,
  ) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const x = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 2);
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar,
  );
  const g = Object.values(grads);
  assert.equal(g.length, 2);
  for (const t of g) assert.ok((await tf.sum(tf.abs(t)).data())[0] > 0);
  const config = model.getLayer('aspp').getConfig();
  assert.equal(config.rate, 2);
  const restored = await tf.models.modelFromJSON({
    modelTopology: model.toJSON(null, false),
  } as never);
  restored.setWeights(model.getWeights());
  assert.ok(
    (await maxDiff(restored.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)) < 1e-6,
  );
});
