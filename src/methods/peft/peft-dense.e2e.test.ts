// `--peft` on the detection and segmentation trainers, end to end: real CLI processes fine-tune a
// pretrained MobileNetV2 under LoRA (detect, continued with --resume) and residual adapters
// (segment) on one small COCO file of boxes and polygons; each saves a delta bundle on the
// pretrained base that its own `predict` command loads.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readBundleMeta } from '../../bundle/bundle.js';
import { runCli } from '../../cli/run-cli.js';
import { makeSharedCoco, type SharedCoco } from '../../data/multitask/test-fixture.js';

let work: string;
let data: SharedCoco;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-peft-dense-'));
  data = await makeSharedCoco(work, { images: 16, size: 32, seed: 7 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

/** `<command> train` with a PEFT method on the COCO file: pretrained MobileNetV2 at 32 px. */
const peftTrain = (command: string, method: string, out: string, epochs: number) => [
  command,
  'train',
  '--data',
  data.annotationFile,
  '--backbone',
  'mobilenet_v2',
  '--strategy',
  'finetune',
  '--peft',
  method,
  '--image-size',
  '32',
  '--epochs',
  String(epochs),
  '--batch',
  '8',
  '--out',
  out,
  '--json',
];

/** The delta's PEFT record, after checking the bundle is a delta on the pretrained base. */
async function deltaPeft(out: string) {
  const meta = await readBundleMeta(path.join(out, 'bundle'));
  assert.equal(meta.delta?.base.backbone, 'mobilenet_v2');
  return meta.training.peft as { method: string; trainableWeights: string[] };
}

/** `<command> predict` loads the run's delta bundle and answers for one image. */
async function predictsOneImage(command: string, out: string) {
  const predicted = await runCli([
    command,
    'predict',
    data.files[0]!,
    '--model',
    path.join(out, 'bundle'),
    '--out',
    path.join(work, `${command}-predict`),
    '--json',
  ]);
  assert.equal(predicted.code, 0, predicted.stderr);
  assert.equal(JSON.parse(predicted.stdout).predictions.length, 1);
}

test('detect train --peft lora: a delta bundle, --resume continues it, detect predict loads it', async () => {
  const out = path.join(work, 'detect');
  let r = await runCli(peftTrain('detect', 'lora', out, 1));
  assert.equal(r.code, 0, r.stderr);
  const log = path.join(out, 'metrics.jsonl');
  const firstEpoch = await fs.readFile(log, 'utf8');
  r = await runCli([...peftTrain('detect', 'lora', out, 2), '--resume']);
  assert.equal(r.code, 0, r.stderr);
  const epochs = (await fs.readFile(log, 'utf8')).trim().split('\n');
  // The resumed run kept the first epoch's record and added the second.
  assert.equal(epochs.length, 2);
  assert.equal(`${epochs[0]}\n`, firstEpoch);
  assert.equal(JSON.parse(epochs[1]!).epoch, 2);

  const peft = await deltaPeft(out);
  assert.equal(peft.method, 'lora');
  assert.ok(peft.trainableWeights.some((w) => w.endsWith('/lora_a')));
  assert.ok(peft.trainableWeights.some((w) => w.startsWith('head_')));
  await predictsOneImage('detect', out);
});

test('segment train --peft adapter: a delta bundle of adapters and head; segment predict loads it', async () => {
  const out = path.join(work, 'segment');
  const r = await runCli(peftTrain('segment', 'adapter', out, 1));
  assert.equal(r.code, 0, r.stderr);
  const peft = await deltaPeft(out);
  assert.equal(peft.method, 'adapter');
  // Of MobileNetV2's own layers (Conv1, expanded_conv, block_N, Conv_1) only the adapters train.
  const backbone = peft.trainableWeights.filter((w) => /^(Conv|expanded_conv|block_)/.test(w));
  assert.ok(backbone.length > 0 && backbone.every((w) => w.includes('_adapter/')), backbone.join());
  assert.ok(peft.trainableWeights.some((w) => w.startsWith('dec_')));
  await predictsOneImage('segment', out);
});
