// Generated from the registry: every row builds, runs at two sizes, has the taps and embedding
// its config declares, and survives file:// save/load. A new row is tested for free.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { createModel } from './create-model.js';
import { findTaps } from './graph.js';
import { getBackbone, listBackbones } from './registry.js';
import { setupBackend, tempDir } from './test-setup.js';
import type { BackboneEntry } from './types.js';

await setupBackend();

/** A second, smaller size: half the native size rounded down to a multiple of 32, at least the minimum. */
function secondSize(entry: BackboneEntry): number {
  return Math.max(entry.config.minInputSize, Math.floor(entry.config.inputSize / 64) * 32, 32);
}

function input(size: number, seed = 1): tf.Tensor4D {
  return tf.randomUniform([1, size, size, 3], -1, 1, 'float32', seed);
}

/** 'valid'-padded nets (InceptionV3) lose a few pixels per stage; allow half a stride step. */
function assertSpatial(h: number, size: number, stride: number, what: string) {
  const ideal = size / stride;
  assert.ok(
    Math.abs(h - ideal) <= Math.max(1, ideal / 2),
    `${what}: ${h}x${h} at ${size} px, stride ${stride}`,
  );
}

test('getBackbone names the known backbones when the name is unknown', () => {
  assert.throws(
    () => getBackbone('resnet9000'),
    (e: unknown) =>
      e instanceof VisiontuneError && e.code === 'BAD_USAGE' && e.message.includes('mobilenet_v2'),
  );
});

for (const entry of listBackbones()) {
  const pretrained = entry.hasPretrained;
  const sizes = [entry.config.inputSize, secondSize(entry)];

  describe(`backbone ${entry.name}`, () => {
    test('declared taps are the graph taps at the native size', async () => {
      const body = await entry.build({ pretrained, inputSize: entry.config.inputSize });
      assert.deepEqual(findTaps(body, entry.config.inputSize), entry.config.taps);
      assert.equal(body.outputs[0].shape[3], entry.config.embeddingDim);
      assert.equal(body.outputs[0].sourceLayer.name, entry.config.embeddingLayer);
      body.dispose();
    });

    for (const size of sizes) {
      test(`featuresOnly at ${size} px: one output per tap with declared channels`, async () => {
        const { model, config } = await createModel(entry.name, {
          pretrained,
          featuresOnly: true,
          inputSize: size,
        });
        assert.equal(config.inputSize, size);
        const outs = tf.tidy(() => model.predict(input(size)) as tf.Tensor[]);
        assert.equal(outs.length, entry.config.taps.length);
        entry.config.taps.forEach((tap, i) => {
          const [n, h, w, c] = outs[i].shape;
          assert.equal(n, 1);
          assert.equal(h, w);
          assert.equal(c, tap.channels, `${tap.layer} channels`);
          assertSpatial(h, size, tap.stride, tap.layer);
          assert.ok(Number.isFinite(outs[i].sum().dataSync()[0]), `${tap.layer} finite`);
        });
        tf.dispose(outs);
        model.dispose();
      });
    }

    test(`embedding at ${sizes[1]} px survives file:// save/load with identical outputs`, async () => {
      const size = sizes[1];
      const { model, config } = await createModel(entry.name, { pretrained, inputSize: size });
      const x = input(size, 2);
      const y = model.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [1, config.embeddingDim]);
      const dir = await tempDir();
      await model.save(`file://${dir}`);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      const y2 = loaded.predict(x) as tf.Tensor;
      assert.deepEqual(Array.from(y2.dataSync()), Array.from(y.dataSync()));
      tf.dispose([x, y, y2]);
      model.dispose();
      loaded.dispose();
    });

    test('numClasses adds a linear head named head', async () => {
      const size = sizes[1];
      const { model } = await createModel(entry.name, {
        pretrained,
        inputSize: size,
        numClasses: 3,
        dropRate: 0.2,
      });
      assert.equal(model.layers[model.layers.length - 1].name, 'head');
      const y = tf.tidy(() => model.predict(input(size)) as tf.Tensor);
      assert.deepEqual(y.shape, [1, 3]);
      y.dispose();
      model.dispose();
    });
  });
}
