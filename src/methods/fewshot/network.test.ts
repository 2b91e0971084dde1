import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/index.js';
import { createFewShotNetwork } from './network.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

for (const [backbone, size] of [
  ['mobilenet_v2_035', 64],
  ['resnet_tiny', 32],
] as const) {
  test(`${backbone}: body(prefix(x)) equals the whole embedding model, and only the last blocks train`, async () => {
    const net = await createFewShotNetwork({
      backbone,
      pretrained: false,
      inputSize: size,
      unfreeze: 2,
      freezeBatchNorm: true,
      seed: 3,
    });
    assert.ok(net.prefix && net.cut);
    const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 7);
    const whole = net.full.predict(x) as tf.Tensor;
    const split = net.body.predict(net.prefix.predict(x) as tf.Tensor) as tf.Tensor;
    assert.deepEqual(split.shape, whole.shape);
    const diff = tf.max(tf.abs(tf.sub(whole, split))).dataSync()[0]!;
    assert.ok(diff < 1e-5, `max diff ${diff}`);
    // The body's trainable weights are exactly the full model's: the layers are shared.
    const names = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.name).sort();
    assert.deepEqual(names(net.body), names(net.full));
    assert.ok(net.body.trainableWeights.length > 0);
    assert.ok(net.prefix.trainableWeights.length === 0);
    assert.equal(net.trainableBlocks.length, 2);
    // Frozen BatchNorm: no gamma/beta among the trainable weights.
    assert.ok(!names(net.body).some((n) => /gamma|beta/.test(n)));
    tf.dispose([x, whole, split]);
  });
}

test("unfreeze 'all': no prefix, the body is the whole model", async () => {
  const net = await createFewShotNetwork({
    backbone: 'resnet_tiny',
    pretrained: false,
    inputSize: 32,
    unfreeze: 'all',
    freezeBatchNorm: false,
    seed: 1,
  });
  assert.equal(net.prefix, null);
  assert.equal(net.body, net.full);
  assert.ok(net.body.trainableWeights.some((w) => /gamma/.test(w.name)));
});
