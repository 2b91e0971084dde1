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

test('a bundle whose writer was killed between its two renames still loads', async () => {
  const parent = await tempDir();
  const dir = path.join(parent, 'b');
  await saveBundle(dir, classifier(3), meta);
  // The state replaceDir leaves after its first rename: the old bundle moved to a hidden sibling.
  await fs.rename(dir, path.join(parent, `.b.previous-${process.pid}-0a1b2c3d`));
  const loaded = await loadBundle(dir);
  assert.deepEqual(loaded.meta.labels, meta.labels);
  assert.equal((await readBundleMeta(dir)).labels.length, 3);
  // And inside a run folder (its bundle/ mid-swap).
  const run = path.join(parent, 'run');
  await fs.mkdir(run);
  await fs.rename(
    path.join(parent, `.b.previous-${process.pid}-0a1b2c3d`),
    path.join(run, `.bundle.previous-${process.pid}-0a1b2c3d`),
  );
  assert.equal((await loadBundle(run)).meta.labels.length, 3);
});

test('visiontune.json bounds are checked before any tensor is made', async () => {
  const dir = path.join(await tempDir(), 'b');
  await saveBundle(dir, classifier(3), meta);
  const file = path.join(dir, META_FILE);
  const good = JSON.parse(await fs.readFile(file, 'utf8'));
  const bad = async (change: Record<string, unknown>, field: RegExp) => {
    await fs.writeFile(file, JSON.stringify({ ...good, ...change }));
    await assert.rejects(loadBundle(dir), (err: unknown) => {
      assert.ok(err instanceof VisiontuneError && err.exitCode === 2, String(err));
      assert.match(err.message, /visiontune\.json is not a valid bundle description/);
      assert.ok(
        err.details.some((d) => field.test(d)),
        err.details.join('\n'),
      );
      return true;
    });
  };
  await bad(
    { preprocessing: { ...good.preprocessing, inputSize: 1_000_000 } },
    /^preprocessing\.inputSize: Too big/,
  );
  await bad({ preprocessing: { ...good.preprocessing, std: [0, 1, 1] } }, /^preprocessing\.std\.0/);
  await bad({ labels: Array.from({ length: 100_001 }, (_, i) => `c${i}`) }, /^labels: Too big/);
  await bad(
    {
      detection: {
        head: 'fcos',
        strides: [8, 1e9],
        scoreThreshold: 0.5,
        nmsIou: 0.5,
        maxDetections: 10,
      },
    },
    /^detection\.strides\.1/,
  );
});
