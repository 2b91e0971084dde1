// `visiontune segment train|eval|predict` end to end: real processes on a small images/ + masks/
// folder of PNGs (colored rectangles). A model trained at 224 px segments a 1024×768 photo by
// sliding windows into a mask of the photo's size; bad pairs exit 2 naming the file, or are
// skipped and counted under --skip-bad.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { readBundleMeta } from '../../bundle/bundle.js';
import { readMask } from '../../data/segmentation/read-mask.js';
import {
  drawShapes,
  makeShapes,
  SHAPES_CLASSES,
  writeRgbPng,
} from '../../data/segmentation/test-fixture.js';
import { Rng } from '../../util/rng.js';
import { runCli } from '../run-cli.js';

let work: string;
let data: string;
const bundle = () => path.join(work, 'run', 'bundle');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-segment-'));
  data = path.join(work, 'data');
  await makeShapes(data, { images: 16, width: 64, seed: 4 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('segment train at 224 px: bundle, metrics, report with per-class IoU and triplets', async () => {
  const r = await runCli([
    'segment',
    'train',
    '--data',
    data,
    '--backbone',
    'resnet_tiny',
    '--strategy',
    'scratch',
    '--image-size',
    '224',
    '--epochs',
    '1',
    '--batch',
    '4',
    '--val',
    '0.25',
    '--dice-weight',
    '0.5',
    '--out',
    path.join(work, 'run'),
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(result.splits, { train: 12, val: 4, test: 0 });
  assert.ok(result.metrics.meanIoU >= 0 && result.metrics.meanIoU <= 1);
  // Evaluated at each image's own size: every pixel of the 4 held-out 64×64 images counted.
  assert.equal(result.metrics.count, 4 * 64 * 64);
  const meta = await readBundleMeta(bundle());
  assert.equal(meta.task, 'segmentation');
  assert.deepEqual(meta.labels, SHAPES_CLASSES);
  assert.equal(meta.preprocessing.inputSize, 224);
  assert.deepEqual(meta.segmentation, {
    decoder: 'unet',
    ignoreIndex: 255,
    maskMode: 'index',
    inference: 'auto',
  });
  const log = (await fs.readFile(path.join(work, 'run', 'metrics.jsonl'), 'utf8')).trim();
  const epoch = JSON.parse(log);
  for (const key of ['loss', 'loss_ce', 'loss_dice', 'val_miou']) assert.ok(key in epoch, key);
  const report = await fs.readFile(result.report, 'utf8');
  assert.match(report, /data-chart="iou-per-class"/);
  assert.match(report, /data:image\/jpeg;base64,/);
});

test('segment predict: a 1024×768 photo slides 224-px windows to a 1024×768 mask', async () => {
  const photo = path.join(work, 'big.png');
  const { rgb } = drawShapes(1024, 768, new Rng(9));
  await writeRgbPng(photo, rgb, 1024, 768);
  const out = path.join(work, 'predict');
  const r = await runCli([
    'segment',
    'predict',
    photo,
    '--model',
    bundle(),
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [p] = JSON.parse(r.stdout).predictions;
  assert.equal(p.mode, 'slide');
  assert.equal(p.windows, 7 * 5); // stride round(224 · 2/3) = 149
  assert.deepEqual([p.width, p.height], [1024, 768]);
  const mask = await readMask(p.mask, { mode: 'index', numClasses: 3 });
  assert.deepEqual([mask.width, mask.height], [1024, 768]);
  const shares = Object.values(p.classShares as Record<string, number>);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  for (const file of [p.color, p.overlay]) {
    const m = await sharp(file).metadata();
    assert.deepEqual([m.width, m.height], [1024, 768], file);
  }
  // --inference resize: one pass, same size.
  const again = await runCli([
    'segment',
    'predict',
    photo,
    '--model',
    bundle(),
    '--out',
    out,
    '--inference',
    'resize',
    '--no-draw',
    '--json',
  ]);
  assert.equal(again.code, 0, again.stderr);
  const [q] = JSON.parse(again.stdout).predictions;
  assert.deepEqual([q.mode, q.windows, q.width, q.height], ['resize', 1, 1024, 768]);
});

test('segment eval: metrics of the bundle; a missing mask exits 2 naming it, or is skipped', async () => {
  let r = await runCli(['segment', 'eval', '--model', bundle(), '--data', data, '--json']);
  assert.equal(r.code, 0, r.stderr);
  let result = JSON.parse(r.stdout);
  assert.equal(result.images, 16);
  assert.equal(result.metrics.count, 16 * 64 * 64);
  assert.equal(result.metrics.confusion.length, 3);

  // Through the ONNX export in ONNX Runtime: the same pixels counted, the same classes found
  // (a pixel whose two best logits are within float32 rounding may flip, hence the tolerance).
  r = await runCli([
    'segment',
    'eval',
    '--model',
    bundle(),
    '--data',
    data,
    '--engine',
    'onnx',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const onnx = JSON.parse(r.stdout);
  assert.equal(onnx.metrics.count, result.metrics.count);
  assert.ok(
    Math.abs(onnx.metrics.meanIoU - result.metrics.meanIoU) < 1e-3,
    `mIoU: onnx ${onnx.metrics.meanIoU} vs tfjs ${result.metrics.meanIoU}`,
  );

  const broken = path.join(work, 'broken');
  await makeShapes(broken, { images: 3, width: 64, seed: 5 });
  await fs.rm(path.join(broken, 'masks', '002.png'));
  r = await runCli(['segment', 'eval', '--model', bundle(), '--data', broken]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /images\/002\.png: no mask .*masks\/002\.png/);
  r = await runCli([
    'segment',
    'eval',
    '--model',
    bundle(),
    '--data',
    broken,
    '--skip-bad',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  result = JSON.parse(r.stdout);
  assert.deepEqual([result.images, result.skipped], [2, 1]);
});

test('segment predict --skip-bad skips an unreadable image; a classifier bundle is refused', async () => {
  const dir = path.join(work, 'mixed');
  await fs.mkdir(dir, { recursive: true });
  await writeRgbPng(path.join(dir, 'ok.png'), drawShapes(80, 60, new Rng(1)).rgb, 80, 60);
  await fs.writeFile(path.join(dir, 'bad.png'), 'not an image');
  let r = await runCli([
    'segment',
    'predict',
    dir,
    '--model',
    bundle(),
    '--out',
    path.join(work, 'mixed-out'),
    '--skip-bad',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.predictions.length, 1);
  assert.equal(result.skipped, 1);
  const meta = JSON.parse(await fs.readFile(path.join(bundle(), 'visiontune.json'), 'utf8'));
  const other = path.join(work, 'not-a-segmenter');
  await fs.cp(bundle(), other, { recursive: true });
  await fs.writeFile(
    path.join(other, 'visiontune.json'),
    JSON.stringify({ ...meta, task: 'classification', segmentation: undefined }),
  );
  r = await runCli(['segment', 'predict', dir, '--model', other]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a segmenter/);
});
