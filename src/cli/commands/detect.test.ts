// `visiontune detect train|eval|predict` end to end: real processes on a small COCO data set of
// PNG images (colored squares) — a bundle, a COCO results file, a report and drawn images come
// out; bad boxes exit 2 naming file and annotation, or are skipped and counted under --skip-bad.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { readBundleMeta } from '../../bundle/bundle.js';
import { makeSquares, type SquaresFixture } from '../../methods/detection/test-fixture.js';
import { runCli } from '../run-cli.js';

let work: string;
let data: SquaresFixture;
const small = ['--backbone', 'resnet_tiny', '--strategy', 'scratch', '--image-size', '64'];
const run = () => path.join(work, 'run');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-detect-'));
  data = await makeSquares(work, { images: 36, size: 64, seed: 4 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('detect train: bundle, COCO results, metrics and report; --resume continues the run', async () => {
  const args = [
    'detect',
    'train',
    '--data',
    data.annotationFile,
    ...small,
    '--batch',
    '8',
    '--val',
    '0.25',
  ];
  let r = await runCli([...args, '--epochs', '1', '--out', run(), '--json']);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli([...args, '--epochs', '2', '--out', run(), '--resume', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(result.splits, { train: 27, val: 9, test: 0 });
  for (const key of ['ap', 'ap50', 'ar100']) {
    assert.ok(
      result.metrics[key] >= 0 && result.metrics[key] <= 1,
      `${key} ${result.metrics[key]}`,
    );
  }
  const epochs = (await fs.readFile(path.join(run(), 'metrics.jsonl'), 'utf8')).trim().split('\n');
  assert.deepEqual(
    epochs.map((l) => JSON.parse(l).epoch),
    [1, 2],
  );
  const meta = await readBundleMeta(path.join(run(), 'bundle'));
  assert.equal(meta.task, 'detection');
  assert.deepEqual(meta.labels, ['red', 'blue']);
  assert.deepEqual(meta.detection?.strides, [8, 16, 32]);
  const rows = JSON.parse(await fs.readFile(result.detections, 'utf8'));
  assert.ok(rows.length > 0);
  for (const row of rows) {
    assert.ok(Number.isInteger(row.image_id) && row.image_id >= 1 && row.image_id <= 36);
    assert.ok([1, 2].includes(row.category_id));
    assert.equal(row.bbox.length, 4);
  }
  const report = await fs.readFile(result.report, 'utf8');
  assert.match(report, /data:image\/jpeg;base64,/);
  assert.match(report, /red/);
});

test('detect eval and predict run the bundle on labelled boxes and on plain images', async () => {
  const bundle = path.join(run(), 'bundle');
  const evalOut = path.join(work, 'eval');
  let r = await runCli([
    'detect',
    'eval',
    '--model',
    bundle,
    '--data',
    data.annotationFile,
    '--out',
    evalOut,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const evaluated = JSON.parse(r.stdout);
  assert.equal(evaluated.images, 36);
  assert.equal(evaluated.metrics.perCategory.length, 2);
  for (const f of ['detections.json', 'metrics.json', 'report.html'])
    await fs.access(path.join(evalOut, f));

  const predictOut = path.join(work, 'predict');
  const inputs = data.files.slice(0, 3);
  r = await runCli([
    'detect',
    'predict',
    ...inputs,
    '--model',
    bundle,
    '--out',
    predictOut,
    '--score-threshold',
    '0.01',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const predicted = JSON.parse(r.stdout);
  assert.equal(predicted.predictions.length, 3);
  const rows = JSON.parse(await fs.readFile(path.join(predictOut, 'detections.json'), 'utf8'));
  assert.deepEqual([...new Set(rows.map((x: { image_id: string }) => x.image_id))].sort(), [
    'img000',
    'img001',
    'img002',
  ]);
  const drawn = (await fs.readdir(path.join(predictOut, 'images'))).sort();
  assert.deepEqual(drawn, ['img000.jpg', 'img001.jpg', 'img002.jpg']);
  const meta = await sharp(path.join(predictOut, 'images', 'img000.jpg')).metadata();
  assert.deepEqual([meta.width, meta.height], [64, 64]);
});

test('detect: a box outside its image exits 2 naming it; --skip-bad leaves it out', async () => {
  const json = JSON.parse(await fs.readFile(data.annotationFile, 'utf8'));
  json.annotations[0].bbox = [50, 50, 40, 40];
  const bad = path.join(work, 'bad.json');
  await fs.writeFile(bad, JSON.stringify(json));
  const args = [
    'detect',
    'train',
    '--data',
    bad,
    ...small,
    '--epochs',
    '1',
    '--out',
    path.join(work, 'bad-run'),
  ];
  let r = await runCli(args);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.json: annotation 1/);
  r = await runCli([...args, '--skip-bad', '--json']);
  assert.equal(r.code, 0, r.stderr);

  r = await runCli(['detect', 'eval', '--model', path.join(work, 'nope'), '--data', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope/);
});
