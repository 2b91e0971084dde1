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
import { mobilenetV2Body } from '../backbones/mobilenet-v2-arch.js';
import { getBackbone } from '../backbones/registry.js';
import { initEngine } from '../engine/index.js';
import { VisiontuneError } from '../errors.js';
import { buildFromKerasFile } from './keras-entries.js';
import { readKerasWeights } from './keras-h5.js';
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
    // Every array of the file is in the layer of its name, exactly.
    const stored = readKerasWeights(await fs.readFile(f.file), f.file).filter(
      (l) => l.weights.length,
    );
    assert.equal(stored.length, model.layers.filter((l) => l.weights.length).length);
    for (const { layer, weights } of stored)
      model
        .getLayer(layer)
        .getWeights()
        .forEach((w, k) => {
          assert.deepEqual(w.dataSync(), weights[k]!.read(), `${layer}/${weights[k]!.name}`);
        });
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
