// `visiontune train --strategy finetune --peft lora` end to end: a real CLI process fine-tunes
// MobileNetV2 on a tiny image folder with LoRA; the loss decreases, the bundle records which
// weights trained, its base weights are still the pretrained ones (only A, B and the head moved),
// it loads with its LoRA layers, and `visiontune export` writes an ONNX model that ONNX Runtime
// runs as TF.js does.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createModel } from '../../backbones/index.js';
import { loadBundle } from '../../bundle/bundle.js';
import { runCli } from '../../cli/run-cli.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { readPeftMeta } from './bundle-meta.js';

let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-peft-'));
  await writeColorFolder(path.join(work, 'colors'), { train: 10, test: 3 }, { seed: 11, size: 20 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

/** `train --peft lora --rank 4` on the colour folder at 32 px, batch 6. */
const loraTrain = (out: string, epochs: number, extra: string[] = []) => [
  'train',
  '--data',
  path.join(work, 'colors'),
  '--strategy',
  'finetune',
  '--peft',
  'lora',
  '--rank',
  '4',
  '--image-size',
  '32',
  '--epochs',
  String(epochs),
  '--batch',
  '6',
  ...extra,
  '--out',
  out,
  '--json',
];

test('train --peft lora trains, records its weights, keeps the base, loads and exports', async () => {
  const out = path.join(work, 'run');
  const r = await runCli(loraTrain(out, 3, ['--lr', '0.003']));
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const report = await fs.readFile(result.report, 'utf8');
  assert.match(report, /finetune \+ lora/);
  assert.match(
    report,
    /peft lora r=4 alpha=4 on \d+ conv\/dense layers: \d+ of \d+ parameters train/,
  );
  const epochs = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(epochs.length, 3);
  assert.ok(epochs[2].loss < epochs[0].loss, `loss ${epochs.map((e) => e.loss)}`);

  const bundle = await loadBundle(result.bundle);
  const peft = readPeftMeta(bundle.meta.training)!;
  assert.deepEqual([peft.method, peft.rank, peft.alpha], ['lora', 4, 4]);
  assert.ok(peft.trainableWeights.includes('Conv1/lora_a'));
  assert.ok(peft.trainableWeights.includes('head/kernel'));
  assert.ok(
    !peft.trainableWeights.some((n) => /\/(kernel|bias)$/.test(n) && !n.startsWith('head')),
  );
  assert.equal(bundle.model.getLayer('Conv1').getClassName(), 'VisiontuneLoraConv2D');
  // The base weights are the pretrained ones, bit for bit; B trained away from zero.
  const { model: pretrained } = await createModel('mobilenet_v2', { inputSize: 32, numClasses: 3 });
  const weight = (m: typeof pretrained, name: string) =>
    Array.from(
      m.weights
        .find((w) => w.originalName === name)!
        .read()
        .dataSync(),
    );
  for (const name of ['Conv1/kernel', 'block_8_project/kernel', 'block_8_project_BN/moving_mean'])
    assert.deepEqual(weight(bundle.model, name), weight(pretrained, name), name);
  assert.ok(weight(bundle.model, 'block_8_project/lora_b').some((v) => v !== 0));

  const file = path.join(work, 'model.onnx');
  const exported = await runCli(['export', '--model', bundle.dir, '--out', file, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const check = JSON.parse(exported.stdout).check;
  assert.ok(check.maxAbsError < 1e-4, `max abs error ${check.maxAbsError}`);
});

/** Every image's class probabilities as `visiontune predict --json` gives them, by file. */
async function probabilities(model: string, images: string): Promise<Map<string, number[]>> {
  // Both on TF.js: the comparison is of the weights, not of two engines' rounding.
  const r = await runCli([
    'predict',
    images,
    '--model',
    model,
    '--top-k',
    '3',
    '--engine',
    'tfjs',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout).predictions as {
    id: string;
    top: { label: string; probability: number }[];
  }[];
  return new Map(
    rows.map((p) => [
      p.id,
      [...p.top].sort((a, b) => a.label.localeCompare(b.label)).map((t) => t.probability),
    ]),
  );
}

test('a LoRA run saves a delta on its base; merged (merge command or --merge) it predicts the same', async () => {
  const out = path.join(work, 'run');
  const delta = await loadBundle(out);
  assert.equal(delta.meta.delta?.base.backbone, 'mobilenet_v2');
  // The delta stores the LoRA factors and the head, not the backbone.
  const weightBytes = async (dir: string) => {
    let total = 0;
    for (const f of await fs.readdir(dir))
      if (f.endsWith('.bin')) total += (await fs.stat(path.join(dir, f))).size;
    return total;
  };
  const merged = path.join(work, 'merged');
  const m = await runCli(['merge', out, '--out', merged, '--json']);
  assert.equal(m.code, 0, m.stderr);
  const mergedBundle = await loadBundle(merged);
  assert.equal(mergedBundle.meta.delta, undefined);
  assert.equal(mergedBundle.model.getLayer('Conv1').getClassName(), 'Conv2D');
  const [deltaBytes, fullBytes] = [await weightBytes(delta.dir), await weightBytes(merged)];
  assert.ok(deltaBytes < 0.1 * fullBytes, `delta ${deltaBytes} B, standalone ${fullBytes} B`);

  const images = path.join(work, 'colors', 'test');
  const fromDelta = await probabilities(out, images);
  const fromMerged = await probabilities(merged, images);
  assert.ok(fromDelta.size >= 3);
  for (const [file, p] of fromDelta) {
    const gap = Math.max(...p.map((v, i) => Math.abs(v - fromMerged.get(file)![i]!)));
    assert.ok(gap <= 1e-5, `${file}: ${gap}`);
  }

  // --merge: the run itself saves the standalone bundle.
  const direct = path.join(work, 'direct');
  const r = await runCli(loraTrain(direct, 1, ['--merge']));
  assert.equal(r.code, 0, r.stderr);
  const standalone = await loadBundle(direct);
  assert.equal(standalone.meta.delta, undefined);
  assert.equal(standalone.model.getLayer('Conv1').getClassName(), 'Conv2D');
});
