// `visiontune export` and `predict --engine onnx` end to end: a MobileNetV2 fine-tuned by
// `visiontune train` is exported (checked in ONNX Runtime on the way), and predicting through
// ONNX Runtime — from the bundle folder or from the .onnx file alone — gives TF.js's classes and
// probabilities. Wrong formats, engines and files exit 2 naming the problem.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { runCli } from '../run-cli.js';

let work: string;
let data: string;
let bundle: string;
let images: string;

interface Predicted {
  engine: string;
  predictions: { id: string; top: { label: string; probability: number }[] }[];
}

/** `visiontune train` on the color folder at 32 px; the bundle folder it wrote. */
async function trainBundle(name: string, ...flags: string[]): Promise<string> {
  const out = path.join(work, name);
  const r = await runCli([
    'train',
    '--data',
    data,
    '--image-size',
    '32',
    '--out',
    out,
    '--json',
    ...flags,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).bundle;
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-export-'));
  data = path.join(work, 'colors');
  await writeColorFolder(data, { train: 10, test: 3 }, { seed: 11, size: 20 });
  images = path.join(data, 'test');
  bundle = await trainBundle('run', '--strategy', 'finetune', '--epochs', '2', '--batch', '6');
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('a trained bundle exports to ONNX and predicts through ONNX Runtime as through TF.js', async () => {
  const file = path.join(work, 'model.onnx');
  const exported = await runCli(['export', '--model', bundle, '--out', file, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const result = JSON.parse(exported.stdout);
  assert.equal(result.task, 'classification');
  assert.equal((await fs.stat(file)).size, result.bytes);
  assert.deepEqual(result.check.shapes, [[2, 3]]);
  assert.ok(result.check.maxAbsError < 1e-4, `max abs error ${result.check.maxAbsError}`);
  assert.deepEqual(
    (await fs.readdir(work)).filter((f) => f.includes('model.onnx')),
    ['model.onnx'],
    'no temp file left',
  );

  const predict = async (...extra: string[]) => {
    const r = await runCli(['predict', images, '--top-k', '3', '--json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Predicted;
  };
  const tfjs = await predict('--model', bundle, '--engine', 'tfjs');
  const fromFolder = await predict('--model', bundle, '--engine', 'onnx');
  const fromFile = await predict('--model', file, '--engine', 'onnx', '--threads', '1');
  assert.equal(fromFile.engine, 'onnx');
  assert.equal(tfjs.predictions.length, 9);
  for (const onnx of [fromFolder, fromFile]) {
    tfjs.predictions.forEach((want, i) => {
      const got = onnx.predictions[i];
      assert.equal(got.id, want.id);
      assert.deepEqual(
        got.top.map((t) => t.label),
        want.top.map((t) => t.label),
        want.id,
      );
      want.top.forEach((t, j) => {
        const diff = Math.abs(got.top[j].probability - t.probability);
        assert.ok(diff < 1e-4, `${want.id} ${t.label}: ${diff}`);
      });
    });
  }
});

test('a linear-probe bundle saves its standardization folded into a Dense and exports', async () => {
  const linear = await trainBundle(
    'linear',
    '--strategy',
    'linear',
    '--epochs',
    '3',
    '--cache-dir',
    path.join(work, 'cache'),
  );
  const saved = JSON.parse(await fs.readFile(path.join(linear, 'model.json'), 'utf8'));
  const classes = saved.modelTopology.config.layers.map(
    (l: { class_name: string }) => l.class_name,
  );
  assert.ok(classes.includes('Dense') && !classes.includes('VisiontuneStandardize'));
  const file = path.join(work, 'linear.onnx');
  const exported = await runCli(['export', '--model', linear, '--out', file, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const { check } = JSON.parse(exported.stdout);
  assert.ok(check.passed && check.maxAbsError <= check.tolerance, JSON.stringify(check));
});

test('export and predict --engine refuse what they cannot do, with exit 2', async () => {
  const file = path.join(work, 'other.onnx');
  const format = await runCli(['export', '--model', bundle, '--out', file, '--format', 'tflite']);
  assert.equal(format.code, 2);
  assert.match(
    format.stderr,
    /--format <format>' argument 'tflite' is invalid\. Allowed choices are onnx/,
  );
  const notBundle = await runCli(['export', '--model', images, '--out', file]);
  assert.equal(notBundle.code, 2);
  assert.match(notBundle.stderr, /not a visiontune bundle/);
  await assert.rejects(fs.access(file), 'nothing written');

  const unchecked = await runCli([
    'export',
    '--model',
    bundle,
    '--out',
    file,
    '--no-check',
    '--json',
  ]);
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.equal(JSON.parse(unchecked.stdout).check, null);

  const tfjsOnOnnx = await runCli(['predict', images, '--model', file, '--engine', 'tfjs']);
  assert.equal(tfjsOnOnnx.code, 2);
  assert.match(tfjsOnOnnx.stderr, /other\.onnx is an ONNX model: add --engine onnx/);
  const engine = await runCli(['predict', images, '--model', bundle, '--engine', 'tensorrt']);
  assert.equal(engine.code, 2);
  assert.match(engine.stderr, /Allowed choices are auto, onnx, tfjs/);
  const junk = path.join(work, 'junk.onnx');
  await fs.writeFile(junk, 'not a model');
  const bad = await runCli(['predict', images, '--model', junk, '--engine', 'onnx']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /junk\.onnx is not an ONNX model/);
});
