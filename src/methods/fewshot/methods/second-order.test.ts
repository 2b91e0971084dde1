import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import { episodeCrossEntropy } from '../losses.js';
import { createFewShotNetwork } from '../network.js';
import { denseNetwork } from './maml-test-support.js';
import { crossEntropyTwice, secondOrderBlockers, secondOrderReport } from './second-order.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const labels = Int32Array.from([0, 1, 2, 1]);

/** Inner gradient of a cross-entropy through `body` (+ the loss's own logits) w.r.t. its weights. */
function innerOf(body: tf.LayersModel, x: tf.Tensor, loss = crossEntropyTwice) {
  const params = body.trainableWeights.map((w) => w.read());
  const ways = (body.outputs[0]!.shape.at(-1) as number) >= 3 ? 3 : 2;
  const y = labels.slice(0, x.shape[0]).map((l) => l % ways);
  const inner = () =>
    tf.grads(() => {
      const out = body.apply(x, { training: true }) as tf.Tensor2D;
      return loss(tf.slice(out, [0, 0], [-1, ways]) as tf.Tensor2D, y, ways);
    })(params);
  return { params, inner };
}

test('crossEntropyTwice equals episodeCrossEntropy and its gradient', () => {
  const logits = tf.randomNormal([4, 3], 0, 2, 'float32', 1) as tf.Tensor2D;
  const a = tf.grad((l: tf.Tensor) => crossEntropyTwice(l as tf.Tensor2D, labels, 3))(logits);
  const b = tf.grad((l: tf.Tensor) => episodeCrossEntropy(l as tf.Tensor2D, labels, 3))(logits);
  const va = crossEntropyTwice(logits, labels, 3).dataSync()[0]!;
  const vb = episodeCrossEntropy(logits, labels, 3).dataSync()[0]!;
  assert.ok(Math.abs(va - vb) < 1e-6);
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! < 1e-6);
});

test('crossEntropyTwice has the right second derivative (finite differences); tf.logSoftmax loses it', () => {
  const logits = tf.randomNormal([4, 3], 0, 1.5, 'float32', 2);
  const u = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
  // d/dh of <grad L(z + h u), u> = u' H u.
  const directional = (z: tf.Tensor) =>
    tf.sum(tf.mul(tf.grad((l: tf.Tensor) => crossEntropyTwice(l as tf.Tensor2D, labels, 3))(z), u));
  const uHu = tf.grad((z: tf.Tensor) => directional(z))(logits);
  const analytic = tf.sum(tf.mul(uHu, u)).dataSync()[0]!;
  const h = 1e-2;
  const fd =
    (directional(tf.add(logits, tf.mul(u, h))).dataSync()[0]! -
      directional(tf.sub(logits, tf.mul(u, h))).dataSync()[0]!) /
    (2 * h);
  assert.ok(analytic > 0.05, `curvature ${analytic}`);
  assert.ok(Math.abs(analytic - fd) < 0.01 * Math.abs(fd), `u'Hu ${analytic} vs ${fd}`);
  // tfjs#3252: tf.logSoftmax's gradient reads its saved output, which the tape never connects.
  assert.throws(
    () =>
      tf.grad((z: tf.Tensor) =>
        tf.sum(
          tf.mul(tf.grad((l: tf.Tensor) => episodeCrossEntropy(l as tf.Tensor2D, labels, 3))(z), u),
        ),
      )(logits),
    /Cannot compute gradient/,
  );
});

test('no blockers for a Dense body (relu or softplus); Tanh and tf.logSoftmax are named', () => {
  const x = tf.randomNormal([4, 8], 0, 1, 'float32', 4);
  for (const activation of ['relu', 'softplus']) {
    const { params, inner } = innerOf(denseNetwork(1, { activation }).body, x);
    const before = tf.memory().numTensors;
    assert.deepEqual(secondOrderBlockers(params, inner), [], activation);
    assert.equal(tf.memory().numTensors, before, 'the probe frees what it made');
  }
  const tanh = innerOf(denseNetwork(1, { activation: 'tanh' }).body, x);
  assert.deepEqual(secondOrderReport(tanh.params, tanh.inner), {
    noGradient: [],
    savedOutput: ['Tanh'],
  });
  const stock = innerOf(denseNetwork(1).body, x, episodeCrossEntropy);
  assert.deepEqual(secondOrderBlockers(stock.params, stock.inner), ['logSoftmax__op']);
});

test('conv bodies: the conv backprop kernels (and Relu6 mask) block second order', async () => {
  const expected = {
    resnet_tiny: ['Conv2DBackpropFilter'],
    mobilenet_v2_035: [
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'LessEqual',
    ],
  };
  for (const [backbone, size] of [
    ['resnet_tiny', 32],
    ['mobilenet_v2_035', 64],
  ] as const) {
    const net = await createFewShotNetwork({
      backbone,
      pretrained: false,
      inputSize: size,
      unfreeze: 2,
      freezeBatchNorm: true,
      seed: 1,
    });
    const shape = net.body.inputs[0]!.shape.slice(1) as number[];
    const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 5);
    const { params, inner } = innerOf(net.body, x);
    assert.deepEqual(secondOrderBlockers(params, inner), expected[backbone], backbone);
    x.dispose();
  }
});
