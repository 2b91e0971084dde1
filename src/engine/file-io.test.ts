import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

test('saving over a planted model.json never deletes the files it names outside ours', async () => {
  const root = await tempDir();
  const dir = path.join(root, 'model');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(root, 'victim.bin'), 'keep');
  await fs.writeFile(path.join(dir, 'notes.bin'), 'keep');
  const planted = {
    modelTopology: {},
    weightsManifest: [{ paths: ['../victim.bin', 'notes.bin'], weights: [] }],
  };
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(planted));
  await smallModel().save(fileIO(dir));
  assert.equal(await fs.readFile(path.join(root, 'victim.bin'), 'utf8'), 'keep');
  assert.equal(await fs.readFile(path.join(dir, 'notes.bin'), 'utf8'), 'keep');
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
  await assert.rejects(fileIO(dir).load!(), /model\.json: invalid JSON/);

  await smallModel().save(fileIO(dir));
  const weights = (await fs.readdir(dir)).find((f) => f.endsWith('.bin'))!;
  await fs.rm(path.join(dir, weights));
  await assert.rejects(fileIO(dir).load!(), new RegExp(weights));
});

/** A saved small model in a fresh folder, with its model.json as an object to tamper with. */
async function savedModel() {
  const dir = await tempDir();
  await smallModel().save(fileIO(dir));
  const jsonFile = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(jsonFile, 'utf8'));
  const weights = path.join(dir, json.weightsManifest[0].paths[0]);
  const rewrite = (change: (j: typeof json) => void) => {
    change(json);
    return fs.writeFile(jsonFile, JSON.stringify(json));
  };
  return { dir, json, weights, rewrite };
}

test('weight paths outside the model folder are refused, never read', async () => {
  const { dir, weights, rewrite } = await savedModel();
  const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside.bin`);
  await fs.copyFile(weights, outside);
  for (const entry of [`../${path.basename(outside)}`, outside]) {
    await rewrite((j) => {
      j.weightsManifest[0].paths = [entry];
    });
    await assert.rejects(fileIO(dir).load!(), (err: unknown) => {
      assert.ok(err instanceof VisiontuneError && err.exitCode === 2);
      assert.match(
        err.message,
        /weightsManifest\[0\]\.paths\[0\]: .* is outside .*a bundle reads only its own files/,
      );
      return true;
    });
  }
  // Through a symbolic link inside the folder, too.
  await fs.symlink(outside, path.join(dir, 'link.bin'));
  await rewrite((j) => {
    j.weightsManifest[0].paths = ['link.bin'];
  });
  await assert.rejects(fileIO(dir).load!(), /is outside/);
});

test('weight files must hold exactly the bytes the manifest describes', async () => {
  const { dir, weights, rewrite } = await savedModel();
  const bytes = (await fs.stat(weights)).size;
  await fs.truncate(weights, 10);
  await assert.rejects(
    fileIO(dir).load!(),
    new RegExp(`need ${bytes} bytes but .*\\.bin holds 10 \\(truncated or empty\\)`),
  );
  await fs.writeFile(weights, Buffer.alloc(bytes + 3));
  await assert.rejects(fileIO(dir).load!(), /holds \d+ \(extra bytes\)/);
  await fs.writeFile(weights, Buffer.alloc(bytes));
  await rewrite((j) => {
    j.weightsManifest[0].weights[0].shape = [1e5, 1e5, 1e5];
  });
  await assert.rejects(fileIO(dir).load!(), /need 40000000000000\d\d bytes but .* holds \d+/);
});

test('a FIFO as weights is refused at once, not waited on', async () => {
  const { dir, weights } = await savedModel();
  await fs.rm(weights);
  execFileSync('mkfifo', [weights]);
  await assert.rejects(fileIO(dir).load!(), /a FIFO \(named pipe\), not a regular file/);
});
