// `visiontune import` end to end: a torchvision mobilenet_v2 exported by PyTorch becomes a folder
// that `visiontune train --backbone DIR` fine-tunes like any backbone (the loss falls), with
// ImageNet's preprocessing recorded, and the result exports back to ONNX; --cut ends the model
// at a node; a file that is not ONNX exits 2 naming it.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { onnxFixtures } from '../../backbones/onnx/test-fixtures.js';
import { readBundleMeta } from '../../bundle/bundle.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { runCli } from '../run-cli.js';

const { skip, models } = onnxFixtures('folded');
const onnxFile = (name: string) => models.find((m) => m.name === name)!.file;
let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-import-'));
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('import mobilenet_v2, then train --backbone DIR fine-tunes it (the loss falls)', {
  skip,
}, async () => {
  const dir = path.join(work, 'mnv2');
  let r = await runCli(['import', onnxFile('mobilenet_v2'), '--out', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const imported = JSON.parse(r.stdout);
  assert.deepEqual(imported.config.mean, [0.485, 0.456, 0.406]);
  assert.deepEqual(
    imported.config.taps.map((t: { stride: number }) => t.stride),
    [4, 8, 16, 32],
  );
  assert.equal(imported.opCounts.Conv, 52);
  const data = path.join(work, 'colors');
  await writeColorFolder(data, 12);
  const out = path.join(work, 'run');
  r = await runCli([
    'train',
    '--data',
    data,
    '--backbone',
    dir,
    '--strategy',
    'finetune',
    '--image-size',
    '32',
    '--epochs',
    '4',
    '--batch',
    '6',
    '--lr',
    '0.0003',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const losses = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).loss as number);
  // The fixture's weights are random (the test's inputs), so the run is noisy: first vs last.
  assert.ok(losses[3] < losses[0], `losses ${losses}`);
  const bundle = JSON.parse(r.stdout).bundle;
  const meta = await readBundleMeta(bundle);
  assert.deepEqual(meta.preprocessing.mean, [0.485, 0.456, 0.406]);

  // And back out: the fine-tuned bundle exports to ONNX and runs in ONNX Runtime as in TF.js.
  r = await runCli(['export', '--model', bundle, '--out', path.join(work, 'mnv2.onnx'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { check } = JSON.parse(r.stdout);
  assert.ok(check.maxAbsError < 1e-4, `max abs error ${check.maxAbsError}`);
});

test('import --cut ends the model at a node; a file that is not ONNX exits 2', {
  skip,
}, async () => {
  const dir = path.join(work, 'cut');
  const node = '/features/features.7/conv/conv.0/conv.0.2/Clip';
  let r = await runCli(['import', onnxFile('mobilenet_v2'), '--out', dir, '--cut', node, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const model = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  const outputs = model.modelTopology.config.output_layers;
  assert.equal(outputs.length, 1);
  assert.deepEqual(
    JSON.parse(r.stdout).config.taps.map((t: { stride: number }) => t.stride),
    [4, 8],
  );
  const bad = path.join(work, 'bad.onnx');
  await fs.writeFile(bad, 'not a model at all');
  r = await runCli(['import', bad, '--out', path.join(work, 'bad')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.onnx: (not an ONNX model|the ONNX model has no graph)/);
  await assert.rejects(fs.access(path.join(work, 'bad')));
});
