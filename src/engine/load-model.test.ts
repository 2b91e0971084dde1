import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { fileIO } from './file-io.js';
import { isModelContentError, loadModelFile } from './load-model.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

test('weights that do not fit their layers are BAD_INPUT naming model.json', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-load-model-'));
  const input = tf.input({ shape: [4] });
  const out = tf.layers.dense({ units: 2, useBias: false }).apply(input) as tf.SymbolicTensor;
  await tf.model({ inputs: input, outputs: out }).save(fileIO(dir));
  assert.equal((await loadModelFile(dir)).outputs[0]?.shape[1], 2);
  // The same bytes, described as another shape.
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  json.weightsManifest[0].weights[0].shape = [2, 4];
  await fs.writeFile(file, JSON.stringify(json));
  await assert.rejects(loadModelFile(dir), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError && err.exitCode === 2, String(err));
    assert.match(
      err.message,
      /model\.json: the model cannot be built \(Shape mismatch: \[4,2\] vs\. \[2,4\]\)/,
    );
    return true;
  });
});

test('only errors known to come from the file count as its content', () => {
  assert.equal(isModelContentError(new TypeError('Cannot read properties of undefined')), false);
  assert.equal(isModelContentError(new Error('Shape mismatch: [1] vs. [2]')), true);
  assert.equal(isModelContentError(new Error('Shape mismatch somewhere else')), false);
});
