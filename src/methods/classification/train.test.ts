import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { loadBundle, readBundleMeta } from '../../bundle/bundle.js';
import { evaluateBundle } from '../../bundle/evaluate.js';
import { openSource } from '../../data/index.js';
import { initEngine } from '../../engine/index.js';
import { MetricsLog } from '../../train/metrics-log.js';
import { Rng } from '../../util/rng.js';
import { resolveTrainConfig } from './config.js';
import { PROBE_L2_GRID } from './probe-solve.js';
import { train } from './train.js';

let data: string;
let work: string;

/** A real image folder: root/{train,test}/<class>/*.png, class = the dominant color channel. */
before(async () => {
  await initEngine({ backend: 'wasm' });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-train-'));
  data = path.join(work, 'data');
  const rng = new Rng(3);
  for (const [split, n] of [
    ['train', 10],
    ['test', 4],
  ] as const) {
    for (const [c, name] of ['red', 'green', 'blue'].entries()) {
      const dir = path.join(data, split, name);
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < n; i++) {
        const raw = Buffer.alloc(20 * 20 * 3);
        for (let p = 0; p < 400; p++) {
          for (let k = 0; k < 3; k++) raw[p * 3 + k] = rng.int(110) + (k === c ? 120 : 0);
        }
        await sharp(raw, { raw: { width: 20, height: 20, channels: 3 } })
          .png()
          .toFile(path.join(dir, `${i}.png`));
      }
    }
  }
});

const base = (strategy: string, out: string) =>
  resolveTrainConfig({
    data,
    backbone: 'resnet_tiny',
    strategy,
    imageSize: 32,
    batch: 8,
    out,
    cacheDir: path.join(work, 'cache'),
  });

test('a linear run writes the bundle, model card, metrics log and report, and its metrics match the bundle', async () => {
  const out = path.join(work, 'linear');
  const result = await train({ ...base('linear', out), epochs: 20, lr: 0.05 });
  assert.equal(result.evaluatedOn, 'test');
  assert.equal(result.metrics.count, 12);
  assert.equal(
    result.metrics.confusion.flat().reduce((a, b) => a + b, 0),
    12,
  );
  for (const file of [
    'report.html',
    'metrics.jsonl',
    'bundle/model.json',
    'bundle/visiontune.json',
    'bundle/README.md',
  ]) {
    await fs.access(path.join(out, file));
  }
  assert.deepEqual(await MetricsLog.read(path.join(out, 'metrics.jsonl')), result.history);
  const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /<svg/);
  // --layer auto (the default) chose on the training images and said so in bundle and report.
  const { backbone } = await readBundleMeta(result.bundleDir);
  assert.ok(backbone.layerChoice && backbone.layerChoice.scores.length >= 4);
  assert.equal(backbone.layer, backbone.layerChoice.scores[0]!.layer);
  assert.equal(backbone.layerChoice.images, result.splits.train);
  assert.ok(html.includes(`layer ${backbone.layer} chosen by LogME`), 'report names the choice');
  // The saved classifier (backbone + head) reproduces the metrics computed on cached embeddings.
  const bundle = await loadBundle(result.bundleDir);
  const source = await openSource(data);
  const again = await evaluateBundle(bundle, source, source.splits.test ?? []);
  assert.ok(
    Math.abs(again.accuracy - result.metrics.accuracy) < 1e-9,
    `${again.accuracy} vs ${result.metrics.accuracy}`,
  );
  assert.ok(
    result.metrics.accuracy > 0.6,
    `a color task should be learnable: ${result.metrics.accuracy}`,
  );

  // A second run with another learning rate reuses every cached embedding.
  const logs: string[] = [];
  await train(
    { ...base('linear', path.join(work, 'linear2')), epochs: 5, lr: 0.01 },
    { log: (l) => logs.push(l) },
  );
  assert.ok(
    logs.some((l) => /embedded train: 0 computed, 24 from cache/.test(l)),
    logs.join('\n'),
  );
});

test('an interrupted scratch run resumed from its checkpoint ends with the same metrics', async () => {
  const straight = await train({ ...base('scratch', path.join(work, 'straight')), epochs: 3 });
  const out = path.join(work, 'crashed');
  const crash = {
    onEpochEnd: (r: { epoch: number }) => {
      if (r.epoch === 2) throw new Error('simulated crash');
    },
  };
  await assert.rejects(
    train({ ...base('scratch', out), epochs: 3 }, { callbacks: [crash] }),
    /simulated crash/,
  );
  const resumed = await train({ ...base('scratch', out), epochs: 3, resume: true });
  assert.equal(resumed.history.length, 3);
  for (const [i, r] of straight.history.entries()) {
    assert.ok(
      Math.abs((r.loss as number) - (resumed.history[i].loss as number)) < 1e-5,
      `epoch ${i + 1}`,
    );
  }
  assert.equal(resumed.metrics.accuracy, straight.metrics.accuracy);
});

test('a bad configuration is a usage error naming the field', () => {
  assert.throws(() => resolveTrainConfig({ data, strategy: 'magic' }), /strategy/);
  assert.throws(() => resolveTrainConfig({ data, epochs: 0 }), /epochs/);
  assert.throws(() => resolveTrainConfig({ data, colour: 'red' }), /colour/);
});

test('finetune with frozen blocks and every regularizer trains only the unfrozen layers', async () => {
  const out = path.join(work, 'finetune');
  const logs: string[] = [];
  const result = await train(
    {
      ...base('finetune', out),
      backbone: 'mobilenet_v2',
      imageSize: 32,
      epochs: 2,
      unfreeze: 2,
      mixup: 0.2,
      cutmix: 1,
      l2sp: 0.1,
      labelSmoothing: 0.1,
    },
    { log: (l) => logs.push(l) },
  );
  assert.ok(
    logs.some((l) => /fine-tuning 2 of 19 blocks/.test(l)),
    logs.join('\n'),
  );
  assert.ok(result.history.every((r) => Number.isFinite(r.loss as number)));
  const trained = (await loadBundle(result.bundleDir)).model;
  const { createModel } = await import('../../backbones/index.js');
  const { model: pretrained } = await createModel('mobilenet_v2', { inputSize: 32, numClasses: 3 });
  const same = (name: string) => {
    const a = trained.getLayer(name).getWeights()[0].dataSync();
    const b = pretrained.getLayer(name).getWeights()[0].dataSync();
    return a.every((v, i) => v === b[i]);
  };
  assert.ok(same('block_3_expand'), 'a frozen block keeps its pretrained weights');
  assert.ok(!same('Conv_1'), 'the top block was trained');
});

test('gradual unfreezing opens one block per epoch, and a run resumed mid-schedule ends the same', async () => {
  const config = (out: string) => ({
    ...base('finetune', path.join(work, out)),
    backbone: 'mobilenet_v2',
    epochs: 3,
    unfreeze: 2,
    gradualUnfreeze: 1,
  });
  const logs: string[] = [];
  const straight = await train(config('gradual'), { log: (l) => logs.push(l) });
  assert.ok(
    logs.some((l) => /blocks training per epoch 0 1 2$/.test(l)),
    logs.join('\n'),
  );
  const crash = {
    onEpochEnd: (r: { epoch: number }) => {
      if (r.epoch === 2) throw new Error('simulated crash');
    },
  };
  await assert.rejects(train(config('gradual-crashed'), { callbacks: [crash] }), /simulated/);
  // Epoch 2's checkpoint has the top block training; the resumed run must rebuild that first.
  const resumed = await train({ ...config('gradual-crashed'), resume: true });
  for (const [i, r] of straight.history.entries()) {
    assert.ok(
      Math.abs((r.loss as number) - (resumed.history[i].loss as number)) < 1e-5,
      `epoch ${i + 1}: ${r.loss} vs ${resumed.history[i].loss}`,
    );
  }
  assert.equal(resumed.metrics.accuracy, straight.metrics.accuracy);

  const trained = (await loadBundle(straight.bundleDir)).model;
  const { createModel } = await import('../../backbones/index.js');
  const { model: pretrained } = await createModel('mobilenet_v2', { inputSize: 32, numClasses: 3 });
  const same = (name: string) => {
    const a = trained.getLayer(name).getWeights()[0].dataSync();
    const b = pretrained.getLayer(name).getWeights()[0].dataSync();
    return a.every((v, i) => v === b[i]);
  };
  assert.ok(same('block_15_expand'), 'past the schedule: pretrained weights');
  assert.ok(!same('Conv_1'), 'the top block opens at epoch 2');
  assert.ok(!same('block_16_expand'), 'block_16 opens at epoch 3');
  assert.ok(same('block_16_expand_BN'), 'BatchNorm stays frozen in unfrozen blocks');
});

test('finetune-only options with another strategy are usage errors', () => {
  assert.throws(
    () => resolveTrainConfig({ data, strategy: 'linear', gradualUnfreeze: 1 }),
    /gradualUnfreeze: only apply to strategies finetune and lp-ft, not linear/,
  );
  assert.throws(
    () => resolveTrainConfig({ data, strategy: 'scratch', l2sp: 0.1 }),
    /l2sp: only apply to strategies finetune and lp-ft/,
  );
});

test('layer-wise decay gives each unfrozen block its own lr multiple, shrinking away from the head', async () => {
  const { createModel } = await import('../../backbones/index.js');
  const { splitBlocks, unfreezeLast } = await import('../freeze/index.js');
  const { buildParamGroups } = await import('../../train/optim/index.js');
  const { paramGroupOptions } = await import('./network-strategy.js');
  const { model, entry } = await createModel('mobilenet_v2', { inputSize: 32, numClasses: 3 });
  const blocks = splitBlocks(model, entry.blocks);
  unfreezeLast(model, 2, blocks, (l) => l.getClassName() === 'BatchNormalization');
  const config = resolveTrainConfig({
    data,
    strategy: 'finetune',
    backboneLrMult: 0.1,
    layerDecay: 0.5,
  });
  const groups = buildParamGroups(
    model,
    paramGroupOptions(config, blocks, { pretrained: true, l2sp: false }),
  );
  const multOf = (name: string) => groups.find((g) => g.name === name)?.lrMult;
  assert.equal(multOf('head'), 1);
  assert.ok(Math.abs(multOf('backbone/top')! - 0.1 * 0.5) < 1e-12, `${multOf('backbone/top')}`);
  assert.ok(Math.abs(multOf('backbone/block_16')! - 0.1 * 0.25) < 1e-12);
  assert.deepEqual(
    groups.map((g) => g.name).sort(),
    ['backbone/block_16', 'backbone/top', 'head', 'head/no_decay'],
    'frozen blocks and BatchNorm add no group; the head bias takes no decay',
  );
});

test('train() as a library call: a partial input gets the defaults, is validated, and runs end to end', async () => {
  const out = path.join(work, 'library-call');
  const result = await train({
    data: 'fashion-mnist',
    strategy: 'linear',
    labelsPerClass: 5,
    testPerClass: 3,
    backbone: 'resnet_tiny',
    imageSize: 32,
    epochs: 2,
    out,
    cacheDir: path.join(work, 'cache'),
  });
  assert.deepEqual(result.splits, { train: 50, val: 50, test: 30 });
  assert.equal(result.evaluatedOn, 'test');
  // Defaults filled in from the schema.
  assert.equal(result.config.batch, 32);
  assert.equal(result.config.seed, 0);
  // A linear head is solved (probe-solve.ts): one row per L2 strength, whatever `epochs` says.
  assert.equal(result.history.length, PROBE_L2_GRID.length);
  assert.ok(result.metrics.accuracy >= 0 && result.metrics.accuracy <= 1);
  await fs.access(path.join(result.bundleDir, 'visiontune.json'));
  await fs.access(result.reportFile);
});
