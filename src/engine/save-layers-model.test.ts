// saveLayersModel writes what model.save(fileIO) writes — the same model.json and weight bytes —
// for a random model with weights of several shapes and dtypes, and the result loads through
// fileIO with identical outputs.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { fileIO } from './file-io.js';
import { saveLayersModel } from './save-layers-model.js';

await tf.setBackend('cpu');

/** A layer with an int32 and a bool weight (model.save encodes both), passing its input on. */
class CountsLayer extends tf.layers.Layer {
  static className = 'VisiontuneTestCounts';
  override build(): void {
    const seeded = (values: number[], dtype: 'int32' | 'bool') => ({
      apply: () => tf.tensor(values, [values.length], dtype),
      getClassName: () => 'Seeded',
    });
    const ints = Array.from({ length: 5 }, () => Math.floor(Math.random() * 1000) - 500);
    const bools = Array.from({ length: 3 }, () => Number(Math.random() < 0.5));
    this.addWeight('counts', [5], 'int32', seeded(ints, 'int32') as never);
    this.addWeight('flags', [3], 'bool', seeded(bools, 'bool') as never, undefined, false);
    this.built = true;
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(x) ? x[0]! : x;
  }
}
tf.serialization.registerClass(CountsLayer);

function randomModel(): tf.LayersModel {
  const input = tf.input({ shape: [9, 9, 3] });
  let x = tf.layers.conv2d({ filters: 5, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2 })
    .apply(x) as tf.SymbolicTensor;
  x = new CountsLayer({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // Random batch-norm statistics (non-trainable weights), so every weight is distinct.
  const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  bn.setWeights(bn.getWeights().map((w) => tf.randomUniform(w.shape, 0.5, 2)));
  return model;
}

async function filesOf(dir: string) {
  const json = await fs.readFile(path.join(dir, 'model.json'), 'utf8');
  const weights = JSON.parse(json).weightsManifest[0].paths[0] as string;
  return { json, weights, bytes: await fs.readFile(path.join(dir, weights)) };
}

test('saveLayersModel writes the files model.save(fileIO) writes, and they load the same model', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-save-layers-'));
  try {
    const model = randomModel();
    await model.save(fileIO(path.join(root, 'tfjs')));
    const result = await saveLayersModel(model, path.join(root, 'streamed'));
    const expected = await filesOf(path.join(root, 'tfjs'));
    const actual = await filesOf(path.join(root, 'streamed'));
    assert.equal(actual.json, expected.json);
    assert.ok(actual.bytes.equals(expected.bytes));
    assert.equal(result.modelArtifactsInfo.weightDataBytes, expected.bytes.byteLength);
    const dtypes = JSON.parse(actual.json).weightsManifest[0].weights.map(
      (w: { dtype: string }) => w.dtype,
    );
    assert.deepEqual([...new Set(dtypes)].sort(), ['bool', 'float32', 'int32']);

    const loaded = await tf.loadLayersModel(fileIO(path.join(root, 'streamed')));
    const x = tf.randomNormal([2, 9, 9, 3]);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual((loaded.predict(x) as tf.Tensor).dataSync(), want);
    for (const [i, w] of loaded.getWeights().entries())
      assert.deepEqual(w.dataSync(), model.getWeights()[i]!.dataSync());
    // Saving again over it replaces the weights file (crash-safe steps of file-io.ts).
    const again = randomModel();
    await saveLayersModel(again, path.join(root, 'streamed'));
    const files = await fs.readdir(path.join(root, 'streamed'));
    assert.equal(files.length, 2, `model.json + one weights file, got ${files}`);
    assert.ok(!files.includes(actual.weights));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
