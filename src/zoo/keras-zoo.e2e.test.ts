// ImageNet weights by name, end to end on fixture files with the real Keras layout: the registry
// entry downloads from a mirror into the cache and its output equals PyTorch's on the same random
// weights (torchvision's implementation of the architecture, scripts/zoo/make_keras_fixtures.py);
// files saved under other layer names load in order; a wrong file or a wrong digest is refused.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as hdf5 from 'jsfive';
import { mobilenetV2Body } from '../backbones/mobilenet-v2-arch.js';
import { getBackbone } from '../backbones/registry.js';
import { initEngine } from '../engine/index.js';
import { VisiontuneError } from '../errors.js';
import { contiguousFloats } from './h5-contiguous.js';
import { buildFromKerasFile, readKerasFileFor } from './keras-entries.js';
import { type KerasLayerWeights, readKerasWeights } from './keras-h5.js';
import { setZooSettings } from './settings.js';
import { type KerasFixture, kerasFixtures } from './test-fixtures.js';

await initEngine({});
const { skip, mirror, fixtures } = kerasFixtures();
const fixture = (name: string) => fixtures.find((f) => f.name === name)!;
const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-keras-zoo-'));
setZooSettings({ cacheDir, mirror, offline: false });
after(() => fs.rm(cacheDir, { recursive: true, force: true }));

/** Largest |ours − PyTorch| over the output within 1e-4 of the output's scale; frees the model. */
function assertEqualsPytorch(model: tf.LayersModel, f: KerasFixture) {
  const { err, tol } = tf.tidy(() => {
    let x = tf.tensor4d(f.input, f.inputShape as [number, number, number, number]);
    // visiontune feeds RGB; the entry folded a BGR-trained first conv to read it.
    if (f.inputChannelOrder === 'BGR') x = tf.reverse(x, 3);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, f.outputShape);
    const ref = tf.tensor(f.output, f.outputShape);
    const scale = Math.max(1, ref.abs().max().dataSync()[0]!);
    return { err: tf.sub(y, ref).abs().max().dataSync()[0]!, tol: 1e-4 * scale };
  });
  model.dispose();
  assert.ok(err <= tol, `${f.name}: max |ours − PyTorch| ${err} > ${tol}`);
}

for (const name of ['mobilenet_v2_035.imagenet', 'mobilenet_v2.imagenet']) {
  test(`${name}: downloads from the mirror, pins it, equals PyTorch`, { skip }, async () => {
    const f = fixture(name);
    const entry = getBackbone(name);
    const model = await entry.build({ pretrained: true, inputSize: 64 });
    const cached = path.join(cacheDir, ...entry.weights!.path.split('/'));
    assert.equal((await fs.readFile(`${cached}.sha256`, 'utf8')).split(/\s+/)[0], f.sha256);
    await assertLoadsWhereNamed(model, f.file, name);
    assertEqualsPytorch(model, f);
  });
}

test('resnet50.imagenet: the Keras v1 architecture with caffe preprocessing equals PyTorch', {
  skip,
}, async () => {
  const f = fixture('resnet50.imagenet');
  const model = await buildFromKerasFile('resnet50.imagenet', f.file, 64);
  assertEqualsPytorch(model, f);
});

/**
 * Every array of the Keras file sits, unchanged, in the model layer its name says, and the model
 * has no weighted layer the file lacks, in the file's order (Keras's in-order loading agrees).
 */
async function assertLoadsWhereNamed(model: tf.LayersModel, file: string, name: string) {
  // As the entry takes them: less what it folds into preprocessing (EfficientNet's
  // Normalization), nested models split into their layers (ConvNeXt).
  const layers = await readKerasFileFor(name, file);
  const stored = layers.filter((l) => l.weights.length);
  const weighted = model.layers.filter((l) => l.weights.length);
  assert.deepEqual(
    weighted.map((l) => l.name),
    stored.map((l) => l.layer),
  );
  for (const { layer, weights } of stored) {
    const values = model.getLayer(layer).getWeights();
    weights.forEach((w, k) => {
      assert.deepEqual(values[k]!.shape, w.shape, `${layer}/${w.name}`);
      assert.deepEqual(values[k]!.dataSync(), w.data, `${layer}/${w.name}`);
    });
  }
}

for (const [name, what] of [
  ['densenet121.imagenet', 'DenseNet121: torchvision’s densenet121'],
  ['resnet50_v2.imagenet', 'ResNet50V2: Keras’s pre-activation blocks written in PyTorch'],
  ['mobilenet_v3_small.imagenet', 'MobileNetV3-Small: torchvision’s mobilenet_v3_small'],
  ['efficientnet_b0.imagenet', 'EfficientNet-B0: torchvision’s efficientnet_b0'],
  ['efficientnet_v2_s.imagenet', 'EfficientNetV2-S: torchvision’s efficientnet_v2_s'],
  ['convnext_tiny.imagenet', 'ConvNeXt-Tiny: torchvision’s convnext_tiny'],
] as const) {
  test(`${name}: equals PyTorch (${what}); every array loads where its name says`, {
    skip,
  }, async () => {
    const f = fixture(name);
    const model = await buildFromKerasFile(name, f.file, 64);
    await assertLoadsWhereNamed(model, f.file, name);
    assertEqualsPytorch(model, f);
  });
}

test('arrays stored contiguous (copied), chunked, big-endian, float16 or int64 read alike', {
  skip,
}, async () => {
  const file = path.join(path.dirname(mirror), 'storage-variants.h5');
  const bytes = await fs.readFile(file);
  const [{ weights }] = readKerasWeights(bytes, file) as [KerasLayerWeights];
  const [half, chunked, bigEndian, count, plain] = weights.map((w) => w.data);
  assert.deepEqual(weights[0]!.shape, [5, 7, 3]);
  assert.deepEqual(chunked, plain);
  assert.deepEqual(bigEndian, plain);
  assert.deepEqual(Array.from(count!), [12]);
  // float16 keeps 11 significant bits; and the copy is jsfive's element-wise decoding exactly.
  const worst = Math.max(...plain!.map((v, i) => Math.abs(half![i]! - v) / (Math.abs(v) + 1e-6)));
  assert.ok(worst <= 2 ** -10, `float16 relative error ${worst}`);
  const h5 = new hdf5.File(new Uint8Array(bytes).buffer, file) as unknown as {
    get(p: string): { get(p: string): { value: number[] } };
  };
  for (const [k, name] of [
    [0, 'half'],
    [4, 'plain'],
  ] as const) {
    const dataset = h5.get('variants').get(`variants/${name}:0`);
    assert.ok(contiguousFloats(dataset), `${name} takes the fast path`);
    assert.deepEqual(weights[k]!.data, Float32Array.from(dataset.value));
  }
});

test('a file whose layers are named otherwise loads in order, as Keras loads it', {
  skip,
}, async () => {
  const f = fixture('mobilenet_v2_035.imagenet');
  const renamed = path.join(path.dirname(mirror), 'mobilenet_v2_035.renamed.h5');
  const model = await buildFromKerasFile('mobilenet_v2_035.imagenet', renamed, 64);
  assertEqualsPytorch(model, f);
});

test('another architecture’s file is refused naming the file and the mismatch', {
  skip,
}, async () => {
  const small = fixture('mobilenet_v2_035.imagenet').file;
  await assert.rejects(
    buildFromKerasFile('mobilenet_v2_050.imagenet', small, 64),
    (e: unknown) =>
      e instanceof VisiontuneError &&
      e.code === 'BAD_INPUT' &&
      e.message.includes(small) &&
      /shape \[.*\], layer '.*' expects/.test(e.message),
  );
  await assert.rejects(
    buildFromKerasFile('resnet50.imagenet', small, 64),
    (e: unknown) => e instanceof VisiontuneError && e.message.includes('not this architecture'),
  );
});

test('resnet50.imagenet from a mirror holding another file: refused by Keras’s MD5, not cached', {
  skip,
}, async () => {
  const entry = getBackbone('resnet50.imagenet');
  await assert.rejects(
    entry.build({ pretrained: true, inputSize: 64 }),
    (e: unknown) =>
      e instanceof VisiontuneError &&
      e.exitCode === 2 &&
      e.message.includes('resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5') &&
      e.message.includes(`expected md5 ${entry.weights!.digest!.value}`),
  );
  await assert.rejects(fs.access(path.join(cacheDir, ...entry.weights!.path.split('/'))));
});

test('the MobileNetV2 built in code is Keras’s: nsfwjs’s Keras topology has its layers and shapes in order', async () => {
  const shapes = (m: tf.LayersModel) =>
    m.layers
      .filter((l) => l.weights.length)
      .map((l) => `${l.name}:${l.weights.map((w) => w.shape).join(';')}`);
  const ours = mobilenetV2Body(1, 224, 0, 'ours');
  const keras = await getBackbone('mobilenet_v2').build({ pretrained: false, inputSize: 224 });
  assert.deepEqual(shapes(ours), shapes(keras));
  ours.dispose();
  keras.dispose();
});
