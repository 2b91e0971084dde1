// The zoo's architectures without their downloads (the registry tests iterate only offline
// entries): each builds with random weights, declares the taps graph.ts finds at its native size,
// its true embedding layer and blocks whose every end is one of its layers, and has Keras's published parameter count (Keras's no-top model:
// its documented total less the classifier); the smallest of each family runs at a small size, and
// those with layers of their own survive file:// save and load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { findTaps } from '../backbones/graph.js';
import '../bundle/custom-layers.js';
import { setupBackend, tempDir } from '../backbones/test-setup.js';
import { splitBlocks } from '../methods/freeze/blocks.js';
import { KERAS_ZOO } from './keras-entries.js';

await setupBackend();

/** keras.io/api/applications totals less Dense(1000) on the pooled features (and, where Keras
 * has one, the top's extra layers). */
const KERAS_NO_TOP_PARAMS: Record<string, number> = {
  'mobilenet_v2.imagenet': 3_538_984 - (1280 * 1000 + 1000),
  'inception_v3.imagenet': 23_851_784 - (2048 * 1000 + 1000),
  'resnet50.imagenet': 25_636_712 - (2048 * 1000 + 1000),
  'resnet101.imagenet': 44_707_176 - (2048 * 1000 + 1000),
  'resnet152.imagenet': 60_419_944 - (2048 * 1000 + 1000),
  'resnet50_v2.imagenet': 25_613_800 - (2048 * 1000 + 1000),
  'resnet101_v2.imagenet': 44_675_560 - (2048 * 1000 + 1000),
  'resnet152_v2.imagenet': 60_380_648 - (2048 * 1000 + 1000),
  'densenet121.imagenet': 8_062_504 - (1024 * 1000 + 1000),
  'densenet169.imagenet': 14_307_880 - (1664 * 1000 + 1000),
  'densenet201.imagenet': 20_242_984 - (1920 * 1000 + 1000),
  // EfficientNet: less its Normalization layer's 7 (mean, variance, count), folded into config.
  'efficientnet_b0.imagenet': 5_330_571 - (1280 * 1000 + 1000) - 7,
  'efficientnet_b1.imagenet': 7_856_239 - (1280 * 1000 + 1000) - 7,
  'efficientnet_b2.imagenet': 9_177_569 - (1408 * 1000 + 1000) - 7,
  'efficientnet_b3.imagenet': 12_320_535 - (1536 * 1000 + 1000) - 7,
  'efficientnet_v2_s.imagenet': 21_612_360 - (1280 * 1000 + 1000),
  // ConvNeXt's top: pool, LayerNorm, Dense; the no-top model's own last LayerNorm (per pixel)
  // has the same 2 × 768 weights as the top's.
  'convnext_tiny.imagenet': 28_589_128 - (768 * 1000 + 1000),
  // MobileNetV3's top: pool, Conv 1x1 to 1024 / 1280 with bias, Conv 1x1 to 1000 with bias.
  'mobilenet_v3_small.imagenet': 2_554_968 - (576 * 1024 + 1024) - (1024 * 1000 + 1000),
  'mobilenet_v3_large.imagenet': 5_507_432 - (960 * 1280 + 1280) - (1280 * 1000 + 1000),
};

/** One per family, run on an input: the rest share its code with other counts. */
const RUN_AT_64 = new Set([
  'mobilenet_v2_035.imagenet',
  'resnet50.imagenet',
  'resnet50_v2.imagenet',
  'densenet121.imagenet',
  'mobilenet_v3_small.imagenet',
  'efficientnet_b0.imagenet',
  'convnext_tiny.imagenet',
]);

/** Families with their own layer classes (or layer options) that must survive model.save. */
const SAVE_LOAD = new Set([
  'mobilenet_v3_small.imagenet',
  'efficientnet_b0.imagenet',
  'convnext_tiny.imagenet',
]);

const zoo = KERAS_ZOO;

test('every family has a known parameter count and a member run on an input', () => {
  for (const name of [...Object.keys(KERAS_NO_TOP_PARAMS), ...RUN_AT_64])
    assert.ok(
      zoo.some((e) => e.name === name),
      `${name} is not a zoo entry`,
    );
});

for (const entry of zoo) {
  test(`${entry.name}: declared taps, embedding and size of the architecture`, async () => {
    const body = await entry.build({ pretrained: false });
    assert.deepEqual(findTaps(body, entry.config.inputSize), entry.config.taps);
    const out = body.outputs[0]!;
    assert.equal(out.sourceLayer.name, entry.config.embeddingLayer);
    assert.equal(out.shape[3], entry.config.embeddingDim);
    // `--unfreeze N` units: every layer placed; a rule by ends gives the stem, each declared
    // block (every end a layer of the model, in order), then whatever follows the last.
    const names = splitBlocks(body, entry.blocks).map((b) => b.name);
    if (entry.blocks && 'ends' in entry.blocks)
      assert.deepEqual(
        names.filter((n) => n !== 'top'),
        ['stem', ...entry.blocks.ends],
      );
    const published = KERAS_NO_TOP_PARAMS[entry.name];
    if (published !== undefined) assert.equal(body.countParams(), published);
    body.dispose();
    if (!RUN_AT_64.has(entry.name)) return;
    const small = await entry.build({ pretrained: false, inputSize: 64, seed: 3 });
    const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 5);
    const y = small.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, [1, 2, 2, entry.config.embeddingDim]);
    assert.ok(Number.isFinite(y.sum().dataSync()[0]));
    if (SAVE_LOAD.has(entry.name)) {
      const dir = await tempDir('vt-zoo-arch-');
      await small.save(`file://${dir}`);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      const y2 = loaded.predict(x) as tf.Tensor;
      assert.deepEqual(y2.dataSync(), y.dataSync());
      tf.dispose(y2);
      loaded.dispose();
    }
    tf.dispose([x, y]);
    small.dispose();
  });
}
