// PEFT on a detector's backbone (what detect/segment train do with --peft): the FPN and head train
// fully, the backbone only through its PEFT weights, the adapters join the backbone's lr group,
// and the network starts computing what it did (also a U-Net whose decoder taps inside blocks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildDetector } from '../../heads/detection/fcos-model.js';
import { buildUnet } from '../../heads/segmentation/unet.js';
import { backboneOptimizer } from '../dense-training.js';
import { peftOnBackbone } from './backbone.js';

const training = {
  pretrained: true,
  freezeBackbone: false,
  freezeBn: true,
  bnMomentum: 0.9,
  weightDecay: 1e-4,
  backboneLrMult: 0.5,
};

test('adapters on a detector backbone: FPN and head train, the backbone only through adapters', async () => {
  const detector = await buildDetector({
    backbone: 'mobilenet_v2',
    pretrained: true,
    numClasses: 2,
    inputSize: 64,
  });
  const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 3);
  const before = (detector.model.predict(x) as tf.Tensor).dataSync();
  const lines: string[] = [];
  const peft = await peftOnBackbone(detector, { peft: 'adapter', seed: 0 }, (l) => lines.push(l));
  assert.match(lines.join('\n'), /residual adapters/);
  const after = (peft.model.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(after), Array.from(before));
  assert.ok(peft.backboneLayers.has('block_3_adapter'));
  assert.ok(peft.backboneLayers.has('block_3_adapter_add'));
  const heads = peft.model.layers.filter(
    (l) => !peft.backboneLayers.has(l.name) && l.weights.length > 0,
  );
  assert.ok(heads.length > 0 && heads.every((l) => l.trainable), 'FPN and head train');
  const optimizer = backboneOptimizer(peft.model, peft.backboneLayers, {
    ...training,
    peft: 'adapter',
  });
  const backbone = optimizer.groups.filter((g) => g.name.startsWith('backbone'));
  const names = backbone.flatMap((g) =>
    g.variables.map((v) => (v as tf.LayerVariable).originalName),
  );
  assert.ok(names.length > 0 && names.every((n) => /_adapter\/kernel$/.test(n)), `${names}`);
  // PEFT weights train at the base lr, whatever backboneLrMult says.
  assert.ok(backbone.every((g) => g.lrMult === 1));
  assert.deepEqual(
    peft.peft?.trainableWeights.sort(),
    peft.model.trainableWeights.map((w) => w.originalName).sort(),
  );
});

test('a U-Net decoder tapping inside blocks: every block still gets its adapter, outputs unchanged', async () => {
  const segmenter = await buildUnet({
    backbone: 'mobilenet_v2',
    pretrained: true,
    numClasses: 3,
    inputSize: 64,
  });
  const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 4);
  const before = (segmenter.model.predict(x) as tf.Tensor).dataSync();
  const lines: string[] = [];
  const peft = await peftOnBackbone(segmenter, { peft: 'adapter', seed: 0 }, (l) => lines.push(l));
  assert.match(lines.join('\n'), /17 residual adapters:/);
  assert.deepEqual(Array.from((peft.model.predict(x) as tf.Tensor).dataSync()), Array.from(before));
  // The decoder still reads the inner tap, not the adapter sum.
  const tapped = peft.model.layers.filter((l) =>
    l.inboundNodes.some((n) => n.inboundLayers.some((i) => i.name === 'block_3_expand_relu')),
  );
  assert.ok(
    tapped.some((l) => !peft.backboneLayers.has(l.name)),
    'a decoder layer reads the tap',
  );
});
