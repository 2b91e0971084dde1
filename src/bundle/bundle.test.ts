import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { loadBundle, type NewBundleMeta, readBundleMeta, saveBundle } from './bundle.js';
import { META_FILE } from './meta.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

function classifier(classes: number): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input);
  const bn = tf.layers.batchNormalization({}).apply(conv);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(bn);
  const out = tf.layers.dense({ units: classes, name: 'head' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const meta: NewBundleMeta = {
  task: 'classification',
  labels: ['cat', 'dog', 'fox'],
  preprocessing: {
    inputSize: 16,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    interpolation: 'bilinear',
    cropPct: 0.875,
  },
  backbone: { name: 'test-net' },
  training: { epochs: 1 },
  metrics: { accuracy: 0.5 },
};

const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'vt-bundle-'));

test('save then load round-trips predictions and metadata', async () => {
  const dir = path.join(await tempDir(), 'b');
  const model = classifier(3);
  const saved = await saveBundle(dir, model, meta);
  const loaded = await loadBundle(dir);
  assert.deepEqual(loaded.meta, saved);
  assert.equal(saved.formatVersion, 1);
  const x = tf.randomNormal([3, 16, 16, 3], 0, 1, 'float32', 3);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (loaded.model.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(b), Array.from(a));
});

test('saving over an existing bundle replaces it whole and leaves no staging folders', async () => {
  const parent = await tempDir();
  const dir = path.join(parent, 'b');
  await saveBundle(dir, classifier(3), meta);
  await saveBundle(dir, classifier(3), { ...meta, metrics: { accuracy: 0.9 } });
  assert.deepEqual(await fs.readdir(parent), ['b']);
  assert.equal((await readBundleMeta(dir)).metrics.accuracy, 0.9);
});

test('a bundle it cannot read says what is wrong', async () => {
  const dir = path.join(await tempDir(), 'b');
  await assert.rejects(readBundleMeta(dir), /visiontune\.json is missing/);

  await saveBundle(dir, classifier(3), meta);
  const file = path.join(dir, META_FILE);
  const good = JSON.parse(await fs.readFile(file, 'utf8'));

  await fs.writeFile(file, JSON.stringify({ ...good, formatVersion: 99 }));
  await assert.rejects(readBundleMeta(dir), /format version 99/);

  await fs.writeFile(file, JSON.stringify({ ...good, labels: 'cat' }));
  await assert.rejects(readBundleMeta(dir), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError && err.exitCode === 2);
    assert.ok(
      err.details.some((d) => d.startsWith('labels:')),
      err.details.join('\n'),
    );
    return true;
  });

  await fs.writeFile(file, JSON.stringify({ ...good, labels: ['a', 'b'] }));
  await assert.rejects(loadBundle(dir), /outputs 3 classes but visiontune\.json lists 2 labels/);
});
