// `visiontune detect train|eval|predict` end to end: real processes on a small COCO data set of
// PNG images (colored squares) — a bundle, a COCO results file, a report and drawn images come
// out; bad boxes exit 2 naming file and annotation, or are skipped and counted under --skip-bad.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { readBundleMeta } from '../../bundle/bundle.js';
import { makeSquares, type SquaresFixture } from '../../data/detection/test-fixture.js';
import { parseMotDetections, parseMotTracks } from '../../track/mot-format.js';
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
  const log = path.join(run(), 'metrics.jsonl');
  const firstEpoch = await fs.readFile(log, 'utf8');
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
  // Resumed: epoch 1 is the first run's line, unchanged (a fresh run would redo it, other loss).
  const epochs = (await fs.readFile(log, 'utf8')).trim().split('\n');
  assert.deepEqual(
    epochs.map((l) => JSON.parse(l).epoch),
    [1, 2],
  );
  assert.equal(`${epochs[0]}\n`, firstEpoch);
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

  // The same evaluation through the ONNX export in ONNX Runtime: the same AP, up to float32
  // rounding of the scores.
  r = await runCli([
    'detect',
    'eval',
    '--model',
    bundle,
    '--data',
    data.annotationFile,
    '--out',
    path.join(work, 'eval-onnx'),
    '--engine',
    'onnx',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const onnx = JSON.parse(r.stdout);
  for (const key of ['ap', 'ap50', 'ap75', 'ar100'] as const)
    assert.ok(
      Math.abs(onnx.metrics[key] - evaluated.metrics[key]) < 1e-3,
      `${key}: onnx ${onnx.metrics[key]} vs tfjs ${evaluated.metrics[key]}`,
    );

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
  // An image that is not one: sharp cannot decode it, found only when training reads it.
  await fs.writeFile(path.join(work, 'images', 'corrupt.png'), 'not a png');
  json.images.push({ id: 99, file_name: 'images/corrupt.png', width: 64, height: 64 });
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
  assert.deepEqual(JSON.parse(r.stdout).skipped, { annotations: 1, images: 1 });

  r = await runCli(['detect', 'eval', '--model', path.join(work, 'nope'), '--data', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope/);
});

test('track --model --frames: the detector runs on each frame and the tracks come out as MOT', async () => {
  const frames = path.join(work, 'frames');
  await fs.mkdir(frames);
  // Frame names sort numerically (frame2 before frame10), as video frame dumps are named.
  for (let i = 1; i <= 12; i++)
    await fs.copyFile(data.files[i], path.join(frames, `frame${i}.png`));
  const tracksFile = path.join(work, 'tracks.txt');
  const detFile = path.join(work, 'det.txt');
  const bundle = path.join(run(), 'bundle');
  const track = (out: string, det: string, ...extra: string[]) =>
    runCli([
      'track',
      '--model',
      bundle,
      '--frames',
      frames,
      '--detect-threshold',
      '0.01',
      '--out',
      out,
      '--save-detections',
      det,
      '--json',
      ...extra,
    ]);
  let r = await track(tracksFile, detFile);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const detections = parseMotDetections(await fs.readFile(detFile, 'utf8'), detFile);
  assert.equal(result.detections, detections.length);
  assert.ok(detections.length > 0);
  assert.ok(detections.every((d) => d.frame >= 1 && d.frame <= 12 && d.score >= 0.01));
  const tracks = parseMotTracks(await fs.readFile(tracksFile, 'utf8'), tracksFile);
  assert.equal(tracks.length, result.boxes);

  // Through ONNX Runtime: the same detections, up to boxes whose score is within float32
  // rounding of the threshold.
  const onnxDet = path.join(work, 'det-onnx.txt');
  r = await track(path.join(work, 'tracks-onnx.txt'), onnxDet, '--engine', 'onnx');
  assert.equal(r.code, 0, r.stderr);
  const viaOnnx = parseMotDetections(await fs.readFile(onnxDet, 'utf8'), onnxDet);
  assert.ok(
    Math.abs(viaOnnx.length - detections.length) <= Math.ceil(0.02 * detections.length),
    `${viaOnnx.length} detections through ONNX Runtime vs ${detections.length}`,
  );

  // The same frames as a video (ffmpeg, installed by .ci/run) give the same detections up to
  // the codec's loss: a lossless one here, so exactly the same boxes.
  const video = path.join(work, 'frames.mkv');
  await new Promise<void>((resolve, reject) =>
    execFile(
      'ffmpeg',
      [
        '-v',
        'error',
        '-framerate',
        '5',
        '-i',
        path.join(frames, 'frame%d.png'),
        '-c:v',
        'ffv1',
        video,
      ],
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  const videoDet = path.join(work, 'video-det.txt');
  r = await runCli([
    'track',
    '--model',
    bundle,
    '--video',
    video,
    '--detect-threshold',
    '0.01',
    '--save-detections',
    videoDet,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await fs.readFile(videoDet, 'utf8'), await fs.readFile(detFile, 'utf8'));

  r = await runCli(['track', '--model', bundle]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--frames DIR or --video FILE/);
  r = await runCli(['track', '--model', bundle, '--frames', path.join(work, 'no-frames')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-frames/);
});

test('detect: decode settings out of range exit 2 naming the flag, before any bundle is read', async () => {
  const model = path.join(work, 'no-bundle');
  for (const [args, flag] of [
    [
      ['eval', '--model', model, '--data', data.annotationFile, '--score-threshold', '1'],
      '--score-threshold',
    ],
    [['predict', data.files[0], '--model', model, '--nms-iou', '0'], '--nms-iou'],
    [['train', '--data', data.annotationFile, '--max-detections', '0'], '--max-detections'],
  ] as const) {
    const r = await runCli(['detect', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${flag}\\b`));
    assert.doesNotMatch(r.stderr, /no-bundle/);
  }
});
