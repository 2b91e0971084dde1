import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { fileIO, registerFileRouter } from './file-io.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);
registerFileRouter();

function smallModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(conv);
  const out = tf.layers.dense({ units: 3 }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'vt-fileio-'));
}

test('file:// save then load gives identical predictions', async () => {
  const dir = await tempDir();
  const model = smallModel();
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 7);
  await model.save(`file://${dir}`);
  const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (loaded.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(b), Array.from(a));
});

test('saving again replaces the weights file and leaves no temp files', async () => {
  const dir = await tempDir();
  await smallModel().save(fileIO(dir));
  const first = await fs.readdir(dir);
  await smallModel().save(fileIO(dir));
  const second = await fs.readdir(dir);
  assert.equal(first.length, 2);
  assert.equal(second.length, 2, `expected model.json + one weights file, got ${second}`);
  assert.notDeepEqual(
    second.sort(),
    first.sort(),
    'new random weights should get a new content-named file',
  );
  assert.ok(second.every((name) => !name.endsWith('.tmp')));
});

test('loading a missing or broken model names the file', async () => {
  const dir = await tempDir();
  await assert.rejects(fileIO(dir).load!(), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /model\.json/);
    return true;
  });
  await fs.writeFile(path.join(dir, 'model.json'), '{not json');
  await assert.rejects(fileIO(dir).load!(), /not valid JSON/);

  await smallModel().save(fileIO(dir));
  const weights = (await fs.readdir(dir)).find((f) => f.endsWith('.bin'))!;
  await fs.rm(path.join(dir, weights));
  await assert.rejects(fileIO(dir).load!(), new RegExp(weights));
});
