import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization, freezesToInference } from './batchnorm-fix.js';

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

test('a frozen BatchNorm runs in inference mode when training; a trainable one uses the batch', async () => {
  // tfjs-layers alone ignores trainable here: batch statistics and moving-average updates.
  const x = tf.randomNormal([4, 4, 4, 3], 3, 2, 'float32', 7);
  const built = (() => {
    const input = tf.input({ shape: [4, 4, 3] });
    const bn = batchNormalization({ name: 'bn' });
    return tf.model({ inputs: input, outputs: bn.apply(input) as tf.SymbolicTensor });
  })();
  for (const model of [await deserialize(true, true), await deserialize(false, false), built]) {
    const layer = model.getLayer('bn');
    assert.ok(freezesToInference(layer));
    const stats = () =>
      layer
        .getWeights()
        .slice(-2)
        .map((w) => Array.from(w.dataSync()));
    const before = stats();
    const infer = (model.apply(x, { training: false }) as tf.Tensor).dataSync();

    layer.trainable = false;
    const frozen = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(frozen), Array.from(infer));
    assert.deepEqual(stats(), before, 'moving statistics unchanged');

    layer.trainable = true;
    const trained = model.apply(x, { training: true }) as tf.Tensor;
    // Batch statistics: every channel of the output has mean ~0 (gamma 1, beta 0).
    const channelMean = trained.mean([0, 1, 2]).dataSync();
    assert.ok(channelMean.every((v) => Math.abs(v) < 1e-4));
    assert.notDeepEqual(stats(), before, 'moving statistics updated');
  }
  assert.equal(freezesToInference(tf.layers.batchNormalization({})), false);
});
