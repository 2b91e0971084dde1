import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { loadBundle, readBundleMeta } from '../../bundle/bundle.js';
import { openSource } from '../../data/sources/open.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { initEngine } from '../../engine/index.js';
import { fit } from '../../train/loop.js';
import { resolveTrainConfig } from './config.js';
import { prepareLinear } from './linear-strategy.js';
import { prepareLpFt } from './lp-ft-strategy.js';
import { chooseSplits } from './splits.js';
import { train } from './train.js';

let work: string;
let data: string;

before(async () => {
  await initEngine({ backend: 'wasm' });
  work = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'vt-lpft-'));
  data = path.join(work, 'data');
  await writeColorFolder(data, { train: 10, test: 4 }, { size: 20 });
});

test('lp-ft with --layer auto probes the chosen layer, fine-tunes the network cut there, and records the choice', async () => {
  const logs: string[] = [];
  const result = await train(
    {
      data,
      backbone: 'resnet_tiny',
      strategy: 'lp-ft',
      imageSize: 32,
      batch: 8,
      epochs: 1,
      probeEpochs: 3,
      out: path.join(work, 'lp-ft'),
      cacheDir: path.join(work, 'cache'),
    },
    { log: (l) => logs.push(l) },
  );
  const meta = await readBundleMeta(result.bundleDir);
  const choice = meta.backbone.layerChoice;
  assert.ok(choice, 'the bundle records how the layer was chosen');
  assert.ok(choice.scores.length > 1, 'chosen among several candidates');
  const layer = choice.scores[0]!.layer;
  assert.equal(meta.backbone.layer, layer, 'the best-scored candidate is the network’s layer');
  const text = logs.join('\n');
  assert.match(text, new RegExp(`layer ${layer.replace(/\+/g, '\\+')} chosen by LogME`));
  assert.match(text, new RegExp(`linear probe on ${layer.replace(/\+/g, '\\+')}: \\d+ fits`));
  assert.match(text, /fine-tuning \d+ of \d+ blocks/);
  assert.match(text, /fine-tuning kept|the probe's weights are kept/, 'which weights it kept');
  assert.equal(result.history.length, 1, 'the fine-tuning stage ran its epoch');
  assert.ok(result.history.every((r) => Number.isFinite(r.loss as number)));
  assert.equal(result.metrics.count, 12);
  // Cut at the chosen layer: no later stage of resnet_tiny is in the saved network.
  const deepest = Math.max(...[...layer.matchAll(/stage(\d)/g)].map((m) => Number(m[1])));
  const { model } = await loadBundle(result.bundleDir);
  const later = model.layers.filter((l) => Number(/^stage(\d)/.exec(l.name)?.[1] ?? 0) > deepest);
  assert.deepEqual(
    later.map((l) => l.name),
    [],
  );
  assert.ok(model.layers.some((l) => l.name.startsWith(`stage${deepest}`)));
  await fs.access(result.reportFile);
});

test("before fine-tuning, lp-ft's network predicts what the linear strategy's probe predicts", async () => {
  const config = resolveTrainConfig({
    data,
    backbone: 'resnet_tiny',
    imageSize: 32,
    batch: 8,
    epochs: 4,
    layer: 'stage2_out+stage3_out',
    dropRate: 0.2,
    cacheDir: path.join(work, 'cache'),
  });
  const source = await openSource(data);
  const splits = chooseSplits(source, config);
  const quiet = () => {};
  // The same probe (settings, seed, cached embeddings) trained by the linear strategy...
  const linear = await prepareLinear({ ...config, strategy: 'linear' }, source, splits, quiet);
  await fit(linear.plan);
  const images = [...splits.val, ...(source.splits.test ?? [])];
  const expected = await linear.evaluate(images);
  // ...and lp-ft's network, its head set from that probe, read through the network's own
  // preprocessing of the image files.
  const lpft = await prepareLpFt(
    { ...config, strategy: 'lp-ft', probeEpochs: 4 },
    source,
    splits,
    quiet,
  );
  const got = await lpft.evaluate(images);
  assert.equal(got.length, expected.length);
  const diff = Math.max(...got.map((p, i) => Math.abs(p - expected[i]!)));
  assert.ok(diff < 1e-4, `max |Δp| ${diff}`);
  // Not trivially equal: the probe is confident about some images and not others.
  assert.ok(Math.max(...expected) - Math.min(...expected) > 0.5);
  for (const p of [linear, lpft]) {
    p.plan.optimizer.dispose();
    p.classifier.dispose();
  }
});

test("lp-ft keeps the probe's weights when fine-tuning ends with a higher validation loss", async () => {
  const config = resolveTrainConfig({
    data,
    backbone: 'resnet_tiny',
    strategy: 'lp-ft',
    imageSize: 32,
    batch: 8,
    // One epoch at a learning rate that wrecks the network (val loss ~10 after it, the probe's
    // under 0.01 on these separable colours).
    epochs: 1,
    lr: 0.5,
    layer: 'stage2_out',
    cacheDir: path.join(work, 'cache'),
  });
  const source = await openSource(data);
  const splits = chooseSplits(source, config);
  const logs: string[] = [];
  const lpft = await prepareLpFt(config, source, splits, (l) => logs.push(l));
  const images = [...splits.val, ...(source.splits.test ?? [])];
  const probe = await lpft.evaluate(images);
  const { history } = await fit(lpft.plan);
  const [tuned, probeLoss] = /\(([\d.]+) vs ([\d.]+)\)/.exec(lpft.notes![0]!)!.slice(1).map(Number);
  assert.equal(tuned, Number((history.at(-1)!.val_loss as number).toFixed(4)));
  assert.ok(
    (history.at(-1)!.val_loss as number) > probeLoss,
    `fine-tuning did worse on val: ${JSON.stringify(history)}; ${lpft.notes}`,
  );
  assert.match(
    lpft.notes![0]!,
    /did not lower the probe's validation loss .*: the probe's weights are kept/,
  );
  assert.ok(logs.includes(lpft.notes![0]!), 'and the log says so');
  const kept = await lpft.evaluate(images);
  const diff = Math.max(...kept.map((p, i) => Math.abs(p - probe[i]!)));
  assert.ok(diff < 1e-6, `the probe's predictions are back (max |Δp| ${diff})`);
  lpft.plan.optimizer.dispose();
  lpft.classifier.dispose();
});

test('lp-ft accepts every finetune option; its own options are refused elsewhere', () => {
  const finetuneOptions = {
    data,
    gradualUnfreeze: 1,
    l2sp: 0.1,
    layerDecay: 0.8,
    unfreeze: 2,
    schedule: 'step',
    earlyStopping: 2,
    clipNorm: 1,
    mixup: 0.2,
    cutmix: 1,
    backboneLrMult: 0.5,
  };
  const finetune = resolveTrainConfig({ ...finetuneOptions, strategy: 'finetune' });
  const lpft = resolveTrainConfig({ ...finetuneOptions, strategy: 'lp-ft', probeEpochs: 12 });
  const { probeEpochs, ...rest } = lpft;
  assert.equal(probeEpochs, 12);
  assert.deepEqual({ ...rest, strategy: 'finetune' }, finetune);
  assert.throws(
    () => resolveTrainConfig({ data, strategy: 'finetune', probeEpochs: 5 }),
    /probeEpochs: only applies to strategy lp-ft, not finetune/,
  );
  assert.throws(
    () => resolveTrainConfig({ data, strategy: 'lp-ft', hidden: 16 }),
    /hidden: lp-ft probes with a linear head/,
  );
  assert.throws(
    () => resolveTrainConfig({ data, strategy: 'lp-ft', probeEpochs: 0 }),
    /probeEpochs/,
  );
});
