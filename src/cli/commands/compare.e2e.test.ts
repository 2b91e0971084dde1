// `visiontune compare` end to end: real processes on two tiny saved bundles and a small image
// folder; JSON rows, the report file, and exit 2 naming the problem for bad bundles.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type NewBundleMeta, saveBundle } from '../../bundle/bundle.js';
import { GREEN, RED, solidJpeg } from '../../data/test-fixtures.js';
import { runCli } from '../run-cli.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

function tinyNet(filters: number): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same' }).apply(input);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(conv);
  const out = tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const meta = (labels: string[]): NewBundleMeta => ({
  task: 'classification',
  labels,
  preprocessing: {
    inputSize: 8,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    interpolation: 'bilinear',
    cropPct: 1,
  },
  backbone: { name: 'tiny' },
  training: {},
  metrics: {},
});

let work: string;
let images: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-compare-'));
  images = path.join(work, 'images');
  for (const [name, rgb] of [
    ['green', GREEN],
    ['red', RED],
  ] as const) {
    await fs.mkdir(path.join(images, name), { recursive: true });
    for (let i = 0; i < 4; i++) {
      await fs.writeFile(path.join(images, name, `${i}.jpg`), await solidJpeg(rgb, 8 + i));
    }
  }
  await saveBundle(path.join(work, 'big'), tinyNet(8), meta(['green', 'red']));
  await saveBundle(path.join(work, 'small'), tinyNet(2), meta(['red', 'green']));
  await saveBundle(path.join(work, 'other'), tinyNet(2), meta(['cat', 'dog']));
});
after(() => fs.rm(work, { recursive: true, force: true }));

const bundle = (name: string) => path.join(work, name);
const FAST = ['--runs', '3', '--warmup', '1', '--batch-size', '4'];

test('compare: a JSON row per bundle and compare.html in --out', async () => {
  const out = path.join(work, 'report');
  const r = await runCli(
    [
      'compare',
      bundle('big'),
      bundle('small'),
      '--data',
      images,
      '--limit',
      '3',
      '--out',
      out,
      ...FAST,
      '--json',
    ],
    'cpu',
  );
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(
    result.rows.map((x: { name: string }) => x.name),
    ['big', 'small'],
  );
  const [big, small] = result.rows;
  assert.equal(big.params, 3 * 3 * 3 * 8 + 8 + 8 * 2 + 2);
  assert.equal(small.params, 3 * 3 * 3 * 2 + 2 + 2 * 2 + 2);
  assert.ok(big.diskBytes > small.diskBytes);
  for (const x of result.rows) {
    assert.equal(x.evaluated, 6, '3 per class');
    assert.equal(x.weightDtype, 'float32');
    assert.ok(x.throughput.imagesPerSecond > 0);
    assert.equal(x.throughput.runMs.length, 3);
    assert.ok(x.accuracy >= 0 && x.accuracy <= 1);
  }
  assert.equal(result.measurement.backend, 'cpu');
  assert.deepEqual(result.data, {
    source: images,
    split: 'all',
    images: 6,
    limitPerClass: 3,
    seed: 0,
  });
  assert.equal(result.report, path.join(out, 'compare.html'));
  const html = await fs.readFile(result.report, 'utf8');
  assert.match(html, /aria-label="Accuracy against size on disk/);
  assert.match(html, /aria-label="Accuracy against throughput/);
});

test('compare: the text table has a line per bundle', async () => {
  const r = await runCli(
    [
      'compare',
      bundle('big'),
      bundle('small'),
      '--data',
      images,
      '--out',
      path.join(work, 'text'),
      ...FAST,
    ],
    'cpu',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^bundle\s+params/m);
  assert.match(r.stdout, /^big\s+/m);
  assert.match(r.stdout, /^small\s+/m);
  assert.match(r.stdout, /report: .*compare\.html/);
});

test('compare: different label sets and a missing folder exit 2 naming the bundles', async () => {
  const mixed = await runCli(
    ['compare', bundle('big'), bundle('other'), '--data', images, ...FAST],
    'cpu',
  );
  assert.equal(mixed.code, 2, mixed.stderr);
  assert.match(mixed.stderr, /different label sets/);
  assert.ok(mixed.stderr.includes(bundle('big')) && mixed.stderr.includes(bundle('other')));
  const missing = await runCli(
    ['compare', bundle('big'), bundle('absent'), '--data', images, ...FAST],
    'cpu',
  );
  assert.equal(missing.code, 2, missing.stderr);
  assert.ok(missing.stderr.includes(`${bundle('absent')}: no such bundle folder`), missing.stderr);
});
