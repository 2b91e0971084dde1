// `visiontune compress quantize` end to end: the real binary on a tiny saved bundle and a small
// image folder; the output is a smaller bundle that loads and carries its step; bad input
// exits 2 naming the flag or path.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../bundle/bundle.js';
import { BLUE, GREEN, RED, solidJpeg } from '../../data/test-fixtures.js';
import { saveTinyBundle, TINY_LABELS } from '../../methods/compress/quantize/test-bundle.js';
import { runCli } from '../run-cli.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

let work: string;
let bundle: string;
let images: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-quantize-'));
  bundle = path.join(work, 'float');
  (await saveTinyBundle(bundle)).dispose();
  images = path.join(work, 'images');
  for (const [label, rgb] of TINY_LABELS.map((l, i) => [l, [RED, GREEN, BLUE][i]!] as const)) {
    await fs.mkdir(path.join(images, label), { recursive: true });
    for (let i = 0; i < 2; i++) {
      await fs.writeFile(path.join(images, label, `${i}.jpg`), await solidJpeg(rgb));
    }
  }
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('quantize to uint8 with --data: sizes, accuracy, a bundle that loads', async () => {
  const outDir = path.join(work, 'uint8');
  const run = await runCli(
    [
      'compress',
      'quantize',
      '--model',
      bundle,
      '--dtype',
      'uint8',
      '--out',
      outDir,
      '--data',
      images,
      '--json',
    ],
    'cpu',
  );
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.bundle, outDir);
  assert.equal(result.dtype, 'uint8');
  assert.equal(result.scope, 'kernels');
  assert.deepEqual(result.tensors, { quantized: 2, kept: 6 });
  assert.ok(result.weightBytes.after < result.weightBytes.before, JSON.stringify(result));
  assert.equal(result.accuracy.samples, 6);
  assert.equal(result.accuracy.split, 'all');
  assert.equal(result.accuracy.difference, result.accuracy.after - result.accuracy.before);

  const loaded = await loadBundle(outDir);
  assert.deepEqual(loaded.meta.labels, TINY_LABELS);
  assert.equal(loaded.meta.compression?.at(-1)?.details.dtype, 'uint8');
  loaded.model.dispose();

  // Without --json: the sizes in words.
  const text = await runCli(
    ['compress', 'quantize', '--model', bundle, '--dtype', 'float16', '--out', outDir],
    'cpu',
  );
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /weights .* MB -> .* MB/);
  assert.match(text.stdout, /quantized 2 tensors to float16/);
});

test('bad input exits 2 naming the problem', async () => {
  const badDtype = await runCli(
    ['compress', 'quantize', '--model', bundle, '--dtype', 'int4', '--out', path.join(work, 'x')],
    'cpu',
  );
  assert.equal(badDtype.code, 2);
  assert.match(badDtype.stderr, /--dtype/);

  const missing = path.join(work, 'no-such-bundle');
  const noBundle = await runCli(
    ['compress', 'quantize', '--model', missing, '--dtype', 'uint8', '--out', path.join(work, 'y')],
    'cpu',
  );
  assert.equal(noBundle.code, 2);
  assert.ok(noBundle.stderr.includes(missing), noBundle.stderr);

  const same = await runCli(
    ['compress', 'quantize', '--model', bundle, '--dtype', 'uint8', '--out', bundle],
    'cpu',
  );
  assert.equal(same.code, 2);
  assert.match(same.stderr, /needs its own folder/);
});
