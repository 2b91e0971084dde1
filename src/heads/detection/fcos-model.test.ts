import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { listBackbones } from '../../backbones/index.js';
import { buildDetector } from './fcos-model.js';
import { channelsPerLocation, levelSizes } from './layout.js';

test('the detector outputs every level in layout order from one shared head', async () => {
  await tf.setBackend('cpu');
  const d = await buildDetector({
    backbone: 'resnet_tiny',
    pretrained: false,
    numClasses: 4,
    inputSize: 64,
    channels: 8,
    towerDepth: 1,
    seed: 3,
  });
  const sizes = levelSizes(d.layout);
  const n = sizes.reduce((s, l) => s + l.height * l.width, 0);
  assert.deepEqual(d.model.outputs[0].shape, [null, n, channelsPerLocation(d.layout)]);
  // One set of head weights serves all three levels.
  const logits = d.model.getLayer('head_cls_logits');
  assert.equal(logits.inboundNodes.length, 3);
  const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 5);
  const perLevel = tf.model({
    inputs: d.model.inputs,
    outputs: [0, 1, 2].map((i) => d.model.getLayer(`head_out_${i}`).output as tf.SymbolicTensor),
  });
  const whole = d.model.predict(x) as tf.Tensor;
  const parts = perLevel.predict(x) as tf.Tensor[];
  const flat = tf.concat(
    parts.map((p, i) => tf.reshape(p, [2, sizes[i].height * sizes[i].width, -1])),
    1,
  );
  assert.ok((await tf.max(tf.abs(tf.sub(whole, flat))).data())[0] < 1e-6);
  // Class logits start at the prior π = 0.01 (the focal-loss paper's initialization).
  const cls = Array.from(await tf.slice(whole, [0, 0, 0], [-1, -1, 4]).data());
  const mean = cls.reduce((s, v) => s + v, 0) / cls.length;
  assert.ok(Math.abs(mean - Math.log(0.01 / 0.99)) < 0.2, `mean class logit ${mean}`);
  // Every backbone layer is known, so freezing and lr groups can tell body from head.
  assert.ok(d.backboneLayers.size > 5);
  assert.ok(!d.backboneLayers.has('head_cls_logits') && !d.backboneLayers.has('fpn_out_0'));
  tf.dispose([x, whole, flat, ...parts]);
});

test('the input size must be a multiple of the largest stride', async () => {
  await assert.rejects(
    buildDetector({ backbone: 'resnet_tiny', pretrained: false, numClasses: 2, inputSize: 72 }),
    /multiple of 32/,
  );
});

test('every registry backbone builds a detector, or is refused naming its feature-map sizes', async () => {
  await tf.setBackend('cpu');
  for (const entry of listBackbones()) {
    try {
      const d = await buildDetector({
        backbone: entry.name,
        pretrained: false,
        numClasses: 2,
        inputSize: 96,
      });
      assert.deepEqual(d.model.outputs[0].shape, [null, 144 + 36 + 9, 7], entry.name);
      d.model.dispose();
    } catch (err) {
      // Inception's 'valid' padding gives maps of other sizes: refused, not misplaced.
      assert.match(
        (err as Error).message,
        new RegExp(`backbone ${entry.name}: .* not 12x12, 6x6, 3x3`),
      );
      assert.equal(entry.name, 'inception_v3');
    }
  }
});
