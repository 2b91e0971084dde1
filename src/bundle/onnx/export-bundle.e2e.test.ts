// Bundles as visiontune makes them — a classifier on every registry backbone, U-Net and
// DeepLabV3+ segmenters, the FCOS detector — saved, loaded, exported and run in ONNX Runtime
// against TF.js (cpu backend); the exported file carries the bundle description.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, type TestContext, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel, listBackbones } from '../../backbones/index.js';
import { buildDetector } from '../../heads/detection/fcos-model.js';
import { buildDeeplabV3Plus } from '../../heads/segmentation/deeplab.js';
import { buildUnet } from '../../heads/segmentation/unet.js';
import { loadBundle, type NewBundleMeta, saveBundle } from '../bundle.js';
import { checkOnnxExport } from './check.js';
import { bundleToOnnx, readOnnxBundleMeta, writeBundleOnnx } from './export-bundle.js';
import { layersModelToOnnx } from './export-model.js';
import { preprocessing, RUN, randomizeWeights } from './test-models.js';

await tf.setBackend('cpu');
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-onnx-export-'));
after(() => fs.rm(work, { recursive: true, force: true }));

/** Saves, reloads (as a user's bundle would be), exports, compares (max abs error < 1e-4). */
async function exportAndCompare(
  t: TestContext,
  model: tf.LayersModel,
  meta: NewBundleMeta,
  name: string,
) {
  const dir = path.join(work, name);
  await saveBundle(dir, model, meta);
  model.dispose();
  const bundle = await loadBundle(dir);
  const check = await checkOnnxExport(bundle.model, bundleToOnnx(bundle));
  bundle.model.dispose();
  t.diagnostic(
    `max abs error ${check.maxAbsError.toExponential(2)}, max |y| ${check.maxAbs.toFixed(3)}`,
  );
  assert.ok(
    check.maxAbsError < 1e-4,
    `max abs error ${check.maxAbsError} (max |y| ${check.maxAbs})`,
  );
  return check;
}

for (const entry of listBackbones()) {
  test(`a ${entry.name} classifier bundle runs in ONNX Runtime as in TF.js`, async (t) => {
    // Real pretrained weights where they are small; InceptionV3's (90 MB) are not needed here.
    const pretrained = entry.hasPretrained && entry.name !== 'inception_v3';
    const inputSize = Math.max(entry.config.minInputSize, 64);
    const { model } = await createModel(entry.name, { numClasses: 4, pretrained, inputSize });
    if (!pretrained) randomizeWeights(model, 7);
    const check = await exportAndCompare(
      t,
      model,
      {
        task: 'classification',
        labels: ['a', 'b', 'c', 'd'],
        preprocessing: preprocessing(inputSize),
        backbone: { name: entry.name },
        ...RUN,
      },
      `classifier-${entry.name}`,
    );
    assert.deepEqual(check.shapes, [[2, 4]]);
    assert.ok(check.maxAbs > 0.01, `outputs are not trivial (max |y| ${check.maxAbs})`);
  });
}

for (const [decoder, build] of [
  ['unet', buildUnet],
  ['deeplabv3plus', buildDeeplabV3Plus],
] as const) {
  test(`a ${decoder} segmentation bundle runs in ONNX Runtime as in TF.js`, async (t) => {
    const s = await build({
      backbone: 'mobilenet_v2_035',
      pretrained: false,
      numClasses: 3,
      inputSize: 64,
      channels: 16,
    });
    randomizeWeights(s.model, 8);
    const check = await exportAndCompare(
      t,
      s.model,
      {
        task: 'segmentation',
        labels: ['background', 'x', 'y'],
        preprocessing: preprocessing(64),
        backbone: { name: 'mobilenet_v2_035' },
        segmentation: { decoder, ignoreIndex: 255, maskMode: 'index', inference: 'auto' },
        ...RUN,
      },
      `segmenter-${decoder}`,
    );
    assert.deepEqual(check.shapes, [[2, 64, 64, 3]]);
    assert.ok(check.maxAbs > 0.01, `outputs are not trivial (max |y| ${check.maxAbs})`);
  });
}

test('an FCOS detector bundle runs in ONNX Runtime as in TF.js', async (t) => {
  const d = await buildDetector({
    backbone: 'mobilenet_v2_035',
    pretrained: false,
    numClasses: 2,
    inputSize: 64,
    channels: 16,
  });
  randomizeWeights(d.model, 9);
  const check = await exportAndCompare(
    t,
    d.model,
    {
      task: 'detection',
      labels: ['one', 'two'],
      preprocessing: preprocessing(64),
      backbone: { name: 'mobilenet_v2_035' },
      detection: {
        head: 'fcos',
        strides: [...d.layout.strides],
        scoreThreshold: 0.3,
        nmsIou: 0.5,
        maxDetections: 100,
      },
      ...RUN,
    },
    'detector',
  );
  const locations = d.layout.strides.reduce((n, s) => n + (64 / s) ** 2, 0);
  assert.deepEqual(check.shapes, [[2, locations, 7]]);
});

test('the .onnx file carries the bundle description; other files are refused by name', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input);
  const head = tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor;
  const dir = path.join(work, 'small');
  const saved = await saveBundle(dir, tf.model({ inputs: input, outputs: head }), {
    task: 'classification',
    labels: ['no', 'yes'],
    preprocessing: preprocessing(8),
    backbone: { name: 'tiny' },
    ...RUN,
  });
  const file = path.join(work, 'small.onnx');
  const bytes = await writeBundleOnnx(await loadBundle(dir), file);
  assert.equal((await fs.stat(file)).size, bytes);
  assert.deepEqual(await readOnnxBundleMeta(file), saved);

  const bare = path.join(work, 'bare.onnx');
  await fs.writeFile(bare, layersModelToOnnx(tf.model({ inputs: input, outputs: head })));
  await assert.rejects(readOnnxBundleMeta(bare), /bare\.onnx has no visiontune\.bundle metadata/);
  const junk = path.join(work, 'junk.onnx');
  await fs.writeFile(junk, 'not protobuf at all');
  await assert.rejects(readOnnxBundleMeta(junk), /junk\.onnx is not an ONNX model/);
});
