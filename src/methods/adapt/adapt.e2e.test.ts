// End to end on real image files (PNG, decoded with sharp): a source domain whose class is the
// dominant colour channel, and a target domain with the same classes under a colour shift.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { loadBundle } from '../../bundle/bundle.js';
import { initEngine } from '../../engine/index.js';
import { VisiontuneError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { adapt } from './adapt.js';
import { ADAPT_METHODS, resolveAdaptConfig } from './config.js';

let work: string;
const CLASSES = ['red', 'green', 'blue'];

/** A 16x16 PNG whose channel `c` is brighter; the target domain adds a strong blue-grey cast. */
async function image(file: string, c: number, rng: Rng, target: boolean): Promise<void> {
  const raw = Buffer.alloc(16 * 16 * 3);
  for (let p = 0; p < 256; p++) {
    for (let k = 0; k < 3; k++) {
      const v = rng.int(100) + (k === c ? 110 : 0);
      raw[p * 3 + k] = target ? Math.min(255, Math.round(v * 0.5 + (k === 2 ? 90 : 60))) : v;
    }
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(raw, { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toFile(file);
}

before(async () => {
  await initEngine({ backend: 'auto' });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-adapt-'));
  const rng = new Rng(11);
  for (const [c, name] of CLASSES.entries()) {
    for (let i = 0; i < 12; i++) {
      await image(path.join(work, 'source', name, `${i}.png`), c, rng, false);
      // Flat unlabelled target folder: file names carry no label the run could read.
      await image(path.join(work, 'target', `t${c * 12 + i}.png`), c, rng, true);
    }
    for (let i = 0; i < 4; i++)
      await image(path.join(work, 'target-test', name, `${i}.png`), c, rng, true);
  }
});

const config = (out: string, extra: Record<string, unknown> = {}) =>
  resolveAdaptConfig({
    source: path.join(work, 'source'),
    target: path.join(work, 'target'),
    backbone: 'resnet_tiny',
    pretrained: false,
    imageSize: 32,
    batch: 6,
    epochs: 2,
    bottleneck: 16,
    discriminatorHidden: 16,
    augment: 'none',
    out: path.join(work, out),
    ...extra,
  });

for (const method of ADAPT_METHODS) {
  test(`${method}: trains, keeps a checkpoint chosen without target labels, writes bundle and report`, async () => {
    const result = await adapt(
      config(method, { method, targetTest: path.join(work, 'target-test') }),
    );
    assert.equal(result.history.length, 2);
    for (const r of result.history) {
      assert.ok(Number.isFinite(r.loss as number), `${method}: loss ${r.loss}`);
      assert.equal(typeof r.target_accuracy, 'number', 'target accuracy is reported per epoch');
      assert.equal(typeof r.val_accuracy, 'number');
    }
    // The kept epoch is the best by source validation accuracy (ties: the first).
    const accs = result.history.map((r) => r.val_accuracy as number);
    assert.equal(result.selectedEpoch, accs.indexOf(Math.max(...accs)) + 1);
    if (method === 'dann' || method === 'cdan') {
      for (const r of result.history) {
        const d = r.disc_accuracy as number;
        assert.ok(d >= 0 && d <= 1, `${method}: discriminator accuracy ${d}`);
      }
    }
    if (method === 'selftrain') assert.equal(typeof result.history[0]!.pseudo_label_rate, 'number');
    assert.equal(result.targetMetrics?.count, 12);
    const pad = result.proxyADistance;
    assert.ok(pad, 'proxy A-distance measured (36 images per domain)');
    for (const v of [pad.before, pad.after]) assert.ok(v >= 0 && v <= 2, `proxy A-distance ${v}`);

    const bundle = await loadBundle(result.bundleDir);
    assert.deepEqual(bundle.meta.labels, CLASSES.slice().sort());
    assert.equal(bundle.meta.training.method, method);
    bundle.model.dispose();
    const html = await fs.readFile(result.reportFile, 'utf8');
    assert.match(html, /target labels were not used for selection/);
    assert.match(html, /proxy A-distance/i);
  });
}

test('target labels never steer training or selection: with and without them the runs agree', async () => {
  const withLabels = await adapt(
    config('peek-a', { method: 'dann', targetTest: path.join(work, 'target-test') }),
  );
  const without = await adapt(config('peek-b', { method: 'dann' }));
  assert.equal(withLabels.selectedEpoch, without.selectedEpoch);
  assert.deepEqual(
    withLabels.history.map((r) => [r.loss, r.val_accuracy]),
    without.history.map((r) => [r.loss, r.val_accuracy]),
  );
  assert.equal(without.targetMetrics, undefined);
});

test('selection by target entropy keeps the epoch with the lowest held-out entropy; no tensors leak', async () => {
  const tensors = tf.memory().numTensors;
  const result = await adapt(config('entropy', { method: 'dann', selection: 'target-entropy' }));
  assert.equal(tf.memory().numTensors, tensors, 'every tensor of the run is freed');
  const h = result.history.map((r) => r.target_entropy as number);
  assert.ok(h.every(Number.isFinite));
  assert.equal(result.selectedEpoch, h.indexOf(Math.min(...h)) + 1);
});

test('domain-specific BatchNorm: the exported model normalizes with target statistics', async () => {
  const result = await adapt(config('dsbn', { method: 'coral', domainBn: true }));
  const bundle = await loadBundle(result.bundleDir);
  const bn = bundle.model.layers.find((l) => l.name === 'head_bottleneck_bn')!;
  // Re-estimated moving statistics are finite and no longer the initial zeros/ones.
  const [, , mean, variance] = bn.getWeights().map((w) => w.dataSync());
  assert.ok(mean!.some((v) => v !== 0) && variance!.some((v) => v !== 1));
  assert.ok([...mean!, ...variance!].every(Number.isFinite));
  bundle.model.dispose();
});

async function badInput(extra: Record<string, unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(
    adapt(config('bad', extra)),
    (err: unknown) =>
      err instanceof VisiontuneError &&
      err.exitCode === 2 &&
      pattern.test(`${err.message} ${err.details.join(' ')}`),
  );
}

test('bad input: empty target, one-class source, unknown target-test label → exit 2', async () => {
  const empty = path.join(work, 'empty-target');
  await fs.mkdir(empty, { recursive: true });
  await fs.writeFile(path.join(empty, 'notes.txt'), 'no images here');
  await badInput({ target: empty }, /no readable images/);

  const one = path.join(work, 'one-class');
  await fs.cp(path.join(work, 'source', 'red'), path.join(one, 'red'), { recursive: true });
  await badInput({ source: one }, /1 class .*at least 2/);

  const unknown = path.join(work, 'unknown-test');
  await fs.cp(path.join(work, 'target-test', 'red'), path.join(unknown, 'purple'), {
    recursive: true,
  });
  await badInput({ targetTest: unknown }, /purple/);
});

test('an interrupted DANN run resumed from its checkpoint (discriminator included) ends the same', async () => {
  const settings = { method: 'dann', epochs: 3, targetTest: path.join(work, 'target-test') };
  const straight = await adapt(config('resume-straight', settings));
  const crash = {
    onEpochEnd: (r: { epoch: number }) => {
      if (r.epoch === 2) throw new Error('simulated crash');
    },
  };
  await assert.rejects(
    adapt(config('resume-crashed', settings), { callbacks: [crash] }),
    /simulated crash/,
  );
  const resumed = await adapt(config('resume-crashed', { ...settings, resume: true }));
  assert.equal(resumed.history.length, 3);
  for (const [i, r] of straight.history.entries()) {
    const again = resumed.history[i]!;
    for (const key of ['loss', 'disc_accuracy', 'transfer_loss', 'val_accuracy'])
      assert.ok(
        Math.abs((r[key] as number) - (again[key] as number)) < 1e-5,
        `epoch ${i + 1} ${key}: ${r[key]} vs ${again[key]}`,
      );
  }
  assert.equal(resumed.targetMetrics?.accuracy, straight.targetMetrics?.accuracy);
});
