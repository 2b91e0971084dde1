// Any TF.js layers model on disk becomes a backbone: cut, inferred config, resized builds that
// keep the weights, and createModel accepting a path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { createModel } from './create-model.js';
import { loadLayersBackbone } from './layers-backbone.js';
import { setupBackend, tempDir } from './test-setup.js';

await setupBackend();

/** A resnet_tiny classifier saved to disk, like a user's fine-tuned model. */
async function savedClassifier(): Promise<{ dir: string; model: tf.LayersModel }> {
  const { model } = await createModel('resnet_tiny', { pretrained: false, numClasses: 4, seed: 3 });
  // Move the weights off their (seeded, hence reproducible) init, as training would.
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length)
      layer.setWeights(
        ws.map((w) => tf.tidy(() => w.add(tf.randomUniform(w.shape, -0.1, 0.1, 'float32', 11)))),
      );
  }
  const dir = await tempDir();
  await model.save(`file://${dir}`);
  return { dir, model };
}

const saved = await savedClassifier();

test('cut at a layer: config inferred from the graph', async () => {
  const bb = await loadLayersBackbone(saved.dir, { cut: 'stage3_out' });
  assert.equal(bb.config.inputSize, 64);
  assert.deepEqual(bb.config.mean, [0.5, 0.5, 0.5]);
  assert.equal(bb.config.embeddingLayer, 'stage3_out');
  assert.equal(bb.config.embeddingDim, 64);
  assert.deepEqual(bb.config.taps, [
    { stride: 4, layer: 'stage1_out', channels: 16 },
    { stride: 8, layer: 'stage2_out', channels: 32 },
    { stride: 16, layer: 'stage3_out', channels: 64 },
  ]);
  bb.dispose();
});

test('without cut, a classifier is cut at its last feature map', async () => {
  const bb = await loadLayersBackbone(`file://${saved.dir}/model.json`);
  assert.equal(bb.config.embeddingLayer, 'stage4_out');
  assert.equal(bb.config.taps.length, 4);
  bb.dispose();
});

test('a build at another size keeps the weights; pretrained: false does not', async () => {
  const bb = await loadLayersBackbone(saved.dir, { cut: 'stage4_out' });
  const body = await bb.build({ pretrained: true, inputSize: 96 });
  assert.deepEqual(body.outputs[0].shape, [null, 3, 3, 128]);
  const want = saved.model.getLayer('stage2_block1_conv1').getWeights()[0].dataSync();
  const got = body.getLayer('stage2_block1_conv1').getWeights()[0].dataSync();
  assert.deepEqual(Array.from(got), Array.from(want));
  const fresh = await bb.build({ pretrained: false });
  const other = fresh.getLayer('stage2_block1_conv1').getWeights()[0].dataSync();
  assert.notDeepEqual(Array.from(other), Array.from(want));
  // The cut body computes what the source computes up to the cut.
  const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 9);
  const sourceCut = tf.model({
    inputs: saved.model.inputs,
    outputs: saved.model.getLayer('stage4_out').output,
  });
  const same = await bb.build({ pretrained: true });
  const a = (sourceCut.predict(x) as tf.Tensor).dataSync();
  const b = (same.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(b), Array.from(a));
  for (const m of [body, fresh, same]) m.dispose();
  bb.dispose();
});

test('createModel takes a path with cut and featuresOnly', async () => {
  const { model, config, entry } = await createModel(saved.dir, {
    cut: 'stage3_out',
    featuresOnly: true,
    inputSize: 32,
  });
  assert.equal(config.inputSize, 32);
  assert.deepEqual(
    model.outputs.map((o) => o.shape),
    [
      [null, 8, 8, 16],
      [null, 4, 4, 32],
      [null, 2, 2, 64],
    ],
  );
  // The returned entry reloads from disk, so it still builds after the first load was freed.
  const again = await entry.build({ pretrained: true });
  assert.deepEqual(again.outputs[0].shape, [null, 4, 4, 64]);
  model.dispose();
  again.dispose();
});

test('a missing path is a user input error', async () => {
  await assert.rejects(
    loadLayersBackbone('/nonexistent/visiontune/model.json'),
    (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_INPUT',
  );
});

test('an unknown cut names the layer', async () => {
  await assert.rejects(
    loadLayersBackbone(saved.dir, { cut: 'nope' }),
    (e: unknown) =>
      e instanceof VisiontuneError && e.code === 'BAD_USAGE' && e.message.includes("'nope'"),
  );
});
