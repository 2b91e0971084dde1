// `visiontune multitask train` end to end: real processes on one small set of PNG images that
// carries an image label (a manifest), image-level tags, boxes and polygons (one COCO file) — one
// backbone trains four heads together; the bundle holds one output per task and `multitask
// predict` answers every task; --resume continues the run; bad task specs exit 2 naming the field.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readBundleMeta } from '../../bundle/bundle.js';
import { CATEGORIES, makeSharedCoco, type SharedCoco } from '../../data/multitask/test-fixture.js';
import { runCli } from '../run-cli.js';

let work: string;
let data: SharedCoco;
let manifest: string;
const small = ['--backbone', 'resnet_tiny', '--strategy', 'scratch', '--image-size', '32'];

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-multitask-'));
  data = await makeSharedCoco(work, { images: 30, size: 32, seed: 3 });
  // The image label: the category of the image's first rectangle, or 'none'.
  const coco = JSON.parse(await fs.readFile(data.annotationFile, 'utf8')) as {
    images: { id: number; file_name: string }[];
    annotations: { image_id: number; category_id: number }[];
  };
  const rows = coco.images.map((im) => {
    const first = coco.annotations.find((a) => a.image_id === im.id);
    return `${im.file_name},${first ? CATEGORIES[first.category_id - 1] : 'none'}`;
  });
  manifest = path.join(work, 'classes.csv');
  await fs.writeFile(manifest, `path,label\n${rows.join('\n')}\n`);
});
after(() => fs.rm(work, { recursive: true, force: true }));

const tasks = () => [
  '--task',
  `cls:classification:${manifest}`,
  '--task',
  `tags:multilabel:${data.annotationFile}`,
  '--task',
  `det:detection:${data.annotationFile}`,
  '--task',
  `seg:segmentation:${data.annotationFile}:val=0.2`,
];

test('multitask train: four heads on one backbone, one bundle; multitask predict; --resume', async () => {
  const out = path.join(work, 'run');
  const args = ['multitask', 'train', ...tasks(), ...small, '--batch', '8', '--out', out];
  let r = await runCli([
    ...args,
    '--epochs',
    '1',
    '--weighting',
    'uncertainty',
    '--pcgrad',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const log = path.join(out, 'metrics.jsonl');
  const firstEpoch = await fs.readFile(log, 'utf8');
  r = await runCli([
    ...args,
    '--epochs',
    '2',
    '--weighting',
    'uncertainty',
    '--pcgrad',
    '--resume',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(
    result.tasks.map((t: { name: string; kind: string }) => [t.name, t.kind]),
    [
      ['cls', 'classification'],
      ['tags', 'multilabel'],
      ['det', 'detection'],
      ['seg', 'segmentation'],
    ],
  );
  for (const key of ['cls_accuracy', 'tags_mAP', 'det_ap50', 'seg_meanIoU'])
    assert.ok(
      result.metrics[key] >= 0 && result.metrics[key] <= 1,
      `${key} ${result.metrics[key]}`,
    );

  // Resumed: epoch 1 is the first run's record, unchanged; each record has every task's loss,
  // weight and validation metric.
  const records = (await fs.readFile(log, 'utf8')).trim().split('\n');
  assert.equal(`${records[0]}\n`, firstEpoch);
  const last = JSON.parse(records[1]!);
  assert.equal(last.epoch, 2);
  for (const t of ['cls', 'tags', 'det', 'seg']) {
    assert.ok(Number.isFinite(last[`loss_${t}`]), `loss_${t}`);
    assert.ok(last[`weight_${t}`] > 0, `weight_${t}`);
  }
  assert.ok('val_seg_meanIoU' in last && 'val_det_ap' in last);

  const meta = await readBundleMeta(path.join(out, 'bundle'));
  assert.equal(meta.task, 'multitask');
  assert.deepEqual(
    meta.multitask!.tasks.map((t) => [t.name, t.task, t.output, t.multiLabel ?? false]),
    [
      ['cls', 'classification', 0, false],
      ['tags', 'classification', 1, true],
      ['det', 'detection', 2, false],
      ['seg', 'segmentation', 3, false],
    ],
  );
  assert.deepEqual(meta.multitask!.tasks[0]!.labels, ['blue', 'none', 'red']);
  const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  for (const t of ['cls', 'tags', 'det', 'seg']) assert.ok(report.includes(`id="task-${t}"`), t);

  const predicted = await runCli([
    'multitask',
    'predict',
    out,
    data.files[0]!,
    '--out',
    path.join(work, 'predicted'),
    '--json',
  ]);
  assert.equal(predicted.code, 0, predicted.stderr);
  const answer = JSON.stringify(JSON.parse(predicted.stdout));
  for (const t of ['cls', 'tags', 'det', 'seg']) assert.ok(answer.includes(`"${t}"`), answer);
});

test('bad task specs exit 2 naming the task field or the file', async () => {
  const out = path.join(work, 'bad');
  const bad = async (task: string, message: RegExp) => {
    const r = await runCli(['multitask', 'train', '--task', task, ...small, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  };
  await bad(`a:regression:${manifest}`, /tasks\.0\.kind/);
  await bad(`a:segmentation:${data.annotationFile}:decoder=fpn`, /tasks\.0\.decoder/);
  await bad(`a:classification:${path.join(work, 'missing.csv')}`, /missing\.csv/);
  const twice = await runCli([
    'multitask',
    'train',
    '--task',
    `a:classification:${manifest}`,
    '--task',
    `a:detection:${data.annotationFile}`,
    ...small,
    '--out',
    out,
  ]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /named 'a'/);
});

test('multitask train --peft bitfit: the tasks share one frozen pretrained backbone; a delta bundle', async () => {
  const out = path.join(work, 'peft');
  const r = await runCli([
    'multitask',
    'train',
    '--task',
    `cls:classification:${manifest}`,
    '--task',
    `seg:segmentation:${data.annotationFile}`,
    '--backbone',
    'mobilenet_v2',
    '--strategy',
    'finetune',
    '--peft',
    'bitfit',
    '--image-size',
    '32',
    '--epochs',
    '1',
    '--batch',
    '8',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const meta = await readBundleMeta(path.join(out, 'bundle'));
  assert.equal(meta.task, 'multitask');
  assert.equal(meta.delta?.base.backbone, 'mobilenet_v2');
  const peft = meta.training.peft as { method: string; trainableWeights: string[] };
  assert.equal(peft.method, 'bitfit');
  // Both heads trained; of the backbone only BatchNorm gamma/beta.
  assert.ok(peft.trainableWeights.some((w) => w.startsWith('head_cls_')));
  assert.ok(peft.trainableWeights.some((w) => w.startsWith('head_seg_')));
  const backbone = peft.trainableWeights.filter((w) => !w.startsWith('head_'));
  assert.ok(
    backbone.length > 0 && backbone.every((w) => /\/(gamma|beta|bias)$/.test(w)),
    backbone.join(),
  );
  const predicted = await runCli(['multitask', 'predict', out, data.files[0]!, '--json']);
  assert.equal(predicted.code, 0, predicted.stderr);
});
