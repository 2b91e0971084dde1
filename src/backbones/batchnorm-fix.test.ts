import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import './batchnorm-fix.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

function modelJson(scale: boolean, center: boolean) {
  const input = tf.input({ shape: [4, 4, 3] });
  const bn = tf.layers
    .batchNormalization({ scale, center, name: 'bn' })
    .apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: bn }).toJSON(null, false);
}

/** Deserializes a model the way loading from disk does, through the registered classes. */
async function deserialize(scale: boolean, center: boolean): Promise<tf.LayersModel> {
  return tf.models.modelFromJSON({ modelTopology: modelJson(scale, center) as never });
}

test('BatchNorm without scale/center trains (tfjs#2868) and equals gamma=1, beta=0', async () => {
  const x = tf.randomNormal([2, 4, 4, 3], 1, 2, 'float32', 5);
  const reference = await deserialize(true, true); // gamma initialized to 1, beta to 0
  const want = (reference.apply(x, { training: true }) as tf.Tensor).dataSync();
  for (const [scale, center] of [
    [false, true],
    [true, false],
    [false, false],
  ] as const) {
    const model = await deserialize(scale, center);
    const got = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    assert.ok(
      got.every((v, i) => Math.abs(v - want[i]) < 1e-5),
      `scale=${scale} center=${center}`,
    );
    // Backprop works, and no weight was added: only those that exist are trainable.
    const dx = tf.grad((input) =>
      (model.apply(input, { training: true }) as tf.Tensor).square().mean(),
    )(x);
    assert.ok(dx.dataSync().every(Number.isFinite));
    assert.equal(model.trainableWeights.length, Number(scale) + Number(center));
  }
});

test('training mode updates the moving statistics', async () => {
  const model = await deserialize(false, true);
  const layer = model.getLayer('bn');
  const before = layer.getWeights().map((w) => w.dataSync().slice());
  model.apply(tf.randomNormal([8, 4, 4, 3], 3, 1, 'float32', 1), { training: true });
  const after = layer.getWeights().map((w) => w.dataSync().slice());
  // weights: beta, moving_mean, moving_variance; the moving mean moves toward 3.
  assert.ok(after[1].every((v, i) => v > before[1][i]));
});
