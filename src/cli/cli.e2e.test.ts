// End-to-end tests of the visiontune command: real processes, real image files, real bundles.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { createModel } from '../backbones/index.js';
import { saveBundle } from '../bundle/bundle.js';
import { evalTransform, sharpDecoder } from '../data/index.js';
import {
  encode,
  randomBytes,
  solidJpeg,
  truncatedJpeg,
  writeColorFolder,
} from '../data/test-fixtures.js';
import { initEngine } from '../engine/index.js';
import { fitCentroids } from '../heads/centroid.js';
import { Rng } from '../util/rng.js';
import { CLI_ARGV, type CliRun, runCli } from './run-cli.js';

type Run = CliRun;

function cli(...args: string[]): Promise<Run> {
  return runCli(args, 'wasm');
}

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-'));
  await initEngine({ backend: 'wasm' });
});
after(() => fs.rm(dir, { recursive: true, force: true }));

/** An image with a random color per quadrant, so different files give different predictions. */
async function patchImage(
  file: string,
  seed: number,
  width: number,
  height: number,
): Promise<void> {
  const rng = new Rng(seed);
  const colors = [0, 1, 2, 3].map(() => [rng.int(256), rng.int(256), rng.int(256)]);
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      raw.set(colors[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)], (y * width + x) * 3);
    }
  }
  await fs.writeFile(
    file,
    await encode(raw, width, height, file.endsWith('.png') ? 'png' : 'jpeg'),
  );
}

test('predict on a saved bundle gives the same top-1 as the in-process model', async () => {
  const { model, config } = await createModel('resnet_tiny', {
    numClasses: 4,
    inputSize: 32,
    seed: 3,
  });
  const labels = ['ant', 'bee', 'cat', 'dog'];
  const images = path.join(dir, 'images');
  await fs.mkdir(images);
  const files = await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7].map(async (i) => {
      const file = path.join(images, `img${i}.${i % 2 ? 'png' : 'jpg'}`);
      await patchImage(file, i + 1, 40 + i * 7, 36 + i * 3);
      return file;
    }),
  );

  // In process: decode, the bundle's preprocessing, the original model.
  const transform = evalTransform(config, { cropPct: 0.875 });
  const decoder = sharpDecoder();
  const inputs: tf.Tensor4D[] = [];
  for (const file of files) {
    const img = await decoder.decode(file, file, transform.decodeHint);
    inputs.push(tf.tensor4d(transform.apply(img, new Rng(0)), [1, 32, 32, 3]));
  }
  // A random head could send every image to one class, which would make agreement meaningless:
  // make the head a nearest-centroid classifier with images 0-3 as the four class prototypes.
  const pooled = tf.model({
    inputs: model.inputs,
    outputs: model.getLayer('pool').output as tf.SymbolicTensor,
  });
  const prototypes = tf.concat(inputs.slice(0, 4).map((x) => pooled.predict(x) as tf.Tensor2D));
  const fit = fitCentroids(prototypes.dataSync() as Float32Array, Int32Array.from([0, 1, 2, 3]), 4);
  model.getLayer('head').setWeights([tf.tensor2d(fit.kernel, [fit.dim, 4]), tf.tensor1d(fit.bias)]);
  const bundleDir = path.join(dir, 'bundle');
  await saveBundle(bundleDir, model, {
    task: 'classification',
    labels,
    preprocessing: { ...config, cropPct: 0.875 },
    backbone: { name: 'resnet_tiny' },
    training: {},
    metrics: {},
  });
  const expected = new Map<string, string>();
  files.forEach((file, i) => {
    const top = (model.predict(inputs[i]) as tf.Tensor).argMax(1).dataSync()[0];
    expected.set(file, labels[top]);
  });
  assert.deepEqual(
    files.slice(0, 4).map((f) => expected.get(f)),
    labels,
    'each prototype is its own class',
  );

  const run = await cli('predict', '--model', bundleDir, images, '--top-k', '2', '--json');
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as {
    predictions: { id: string; top: { label: string }[] }[];
  };
  assert.equal(result.predictions.length, files.length);
  for (const p of result.predictions) {
    assert.equal(p.top.length, 2);
    assert.equal(p.top[0].label, expected.get(p.id), p.id);
  }

  const info = await cli('info', bundleDir, '--json');
  assert.equal(info.code, 0, info.stderr);
  assert.deepEqual(JSON.parse(info.stdout).labels, labels);
});

test('a folder with a corrupt JPEG, a .txt file and an empty class: exit 2, all three named', async () => {
  const root = path.join(dir, 'bad-folder');
  await fs.mkdir(path.join(root, 'cats'), { recursive: true });
  await fs.mkdir(path.join(root, 'dogs'), { recursive: true });
  await fs.mkdir(path.join(root, 'empty'), { recursive: true });
  await fs.writeFile(path.join(root, 'cats', 'good.jpg'), await solidJpeg([200, 10, 10]));
  await fs.writeFile(path.join(root, 'cats', 'corrupt.jpg'), randomBytes(500));
  await fs.writeFile(path.join(root, 'dogs', 'good.jpg'), await solidJpeg([10, 10, 200]));
  await fs.writeFile(path.join(root, 'dogs', 'notes.txt'), 'not an image');
  const out = path.join(dir, 'bad.jsonl');

  const run = await cli('embed', '--backbone', 'resnet_tiny', '--data', root, '--out', out);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /corrupt\.jpg/);
  assert.match(run.stderr, /notes\.txt/);
  assert.match(run.stderr, /empty.*empty class folder/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace for bad input');
  await assert.rejects(fs.stat(out), 'no output file is written');

  // A truncated JPEG passes the header check; a full check names it up front too.
  await fs.writeFile(path.join(root, 'dogs', 'truncated.jpg'), await truncatedJpeg());
  const full = await cli(
    'embed',
    '--backbone',
    'resnet_tiny',
    '--data',
    root,
    '--out',
    out,
    '--verify',
    'full',
  );
  assert.equal(full.code, 2);
  for (const name of ['corrupt.jpg', 'notes.txt', 'truncated.jpg', 'empty'])
    assert.match(full.stderr, new RegExp(name));

  // --skip-bad goes on without them and says how many it skipped.
  const skip = await cli(
    'embed',
    '--backbone',
    'resnet_tiny',
    '--data',
    root,
    '--out',
    out,
    '--skip-bad',
    '--verify',
    'full',
    '--json',
  );
  assert.equal(skip.code, 0, skip.stderr);
  const result = JSON.parse(skip.stdout);
  assert.equal(result.rows, 2);
  assert.equal(result.skipped, 4);
  const lines = (await fs.readFile(out, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 3, 'header + two embeddings');
  assert.equal(JSON.parse(lines[1]).embedding.length, 128);
});

test('a truncated JPEG found while embedding stops the run with exit 2 naming it, and writes nothing', async () => {
  const root = path.join(dir, 'late-bad');
  await fs.mkdir(path.join(root, 'a'), { recursive: true });
  await fs.writeFile(path.join(root, 'a', 'ok.jpg'), await solidJpeg([1, 2, 3]));
  await fs.writeFile(path.join(root, 'a', 'truncated.jpg'), await truncatedJpeg());
  const out = path.join(dir, 'late.jsonl');
  const run = await cli('embed', '--backbone', 'resnet_tiny', '--data', root, '--out', out);
  assert.equal(run.code, 2, run.stderr.slice(-3000));
  assert.match(run.stderr, /truncated\.jpg/);
  const left = (await fs.readdir(dir)).filter((name) => name.startsWith('late.jsonl'));
  assert.deepEqual(left, [], 'neither the output nor its temp file');
});

test('an error that escapes every await still exits with its code and message, not a source dump', async () => {
  // Once the wasm backend has added its own handlers (2 listeners), reject a promise nobody awaits.
  const script = `
    import { badInput } from ${JSON.stringify(new URL('../errors.ts', import.meta.url).href)};
    process.argv = [process.execPath, 'visiontune', 'doctor', '--backend', 'wasm'];
    const poll = setInterval(() => {
      if (process.listenerCount('unhandledRejection') < 2) return;
      clearInterval(poll);
      Promise.reject(badInput('late failure', ['x.jpg: bad bytes']));
    }, 1);
    poll.unref();
    await import(${JSON.stringify(new URL('./main.ts', import.meta.url).href)});`;
  const run = await new Promise<Run>((resolve) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(run.code, 2, run.stderr.slice(-3000));
  assert.equal(run.stderr, 'error: late failure\n  - x.jpg: bad bytes\n');
});

test('backbones --json lists the pretrained backbones with their taps and configs', async () => {
  const run = await cli('backbones', '--json');
  assert.equal(run.code, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as {
    name: string;
    pretrained: boolean;
    inputSize: number;
    taps: { stride: number; channels: number }[];
  }[];
  const byName = new Map(rows.map((r) => [r.name, r]));
  assert.equal(byName.get('mobilenet_v2')?.inputSize, 224);
  assert.equal(byName.get('inception_v3')?.inputSize, 299);
  for (const name of ['mobilenet_v2', 'inception_v3']) {
    const row = byName.get(name)!;
    assert.equal(row.pretrained, true);
    assert.deepEqual(
      row.taps.map((t) => t.stride),
      [4, 8, 16, 32],
    );
    assert.ok(row.taps.every((t) => t.channels > 0));
  }
});

test('doctor reports the chosen backend and why', async () => {
  const run = await cli('doctor', '--json');
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.backend, 'wasm');
  assert.match(report.reason, /VISIONTUNE_BACKEND/);
  assert.ok(report.backends.some((b: { name: string }) => b.name === 'tensorflow'));
});

test('bad usage exits 2 with a message, not a stack trace', async () => {
  const unknown = await cli(
    'embed',
    '--backbone',
    'no_such_net',
    '--data',
    'mnist',
    '--out',
    path.join(dir, 'x.jsonl'),
  );
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown backbone 'no_such_net'/);
  const missing = await cli('predict', path.join(dir, 'nothing.jpg'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--model/);
  // A folder that holds no bundle (`dir` itself is a run folder: it has a bundle/ by now).
  const notBundle = await fs.mkdtemp(path.join(dir, 'not-a-bundle-'));
  const noBundle = await cli('predict', '--model', notBundle, path.join(dir, 'nothing.jpg'));
  assert.equal(noBundle.code, 2);
  assert.match(noBundle.stderr, /not a visiontune bundle/);
  assert.doesNotMatch(unknown.stderr + missing.stderr + noBundle.stderr, /\n\s+at /);
});

test('embed writes one row per image of a built-in dataset split', async () => {
  const out = path.join(dir, 'tiny.jsonl');
  // A PNG next to nothing else: the smallest real folder source.
  const root = path.join(dir, 'one-class');
  await fs.mkdir(path.join(root, 'x'), { recursive: true });
  for (const i of [0, 1, 2]) {
    await sharp({
      create: { width: 20, height: 10, channels: 3, background: { r: i * 80, g: 0, b: 0 } },
    })
      .png()
      .toFile(path.join(root, 'x', `${i}.png`));
  }
  const run = await cli(
    'embed',
    '--backbone',
    'resnet_tiny',
    '--data',
    root,
    '--out',
    out,
    '--quiet',
  );
  assert.equal(run.code, 0, run.stderr);
  const lines = (await fs.readFile(out, 'utf8')).trim().split('\n');
  assert.equal(JSON.parse(lines[0]).dim, 128);
  assert.equal(lines.length, 4);
});

test('the demo (npm start) runs linear, finetune, lp-ft and scratch end to end on a small budget', async () => {
  const out = path.join(dir, 'demo');
  const run = await cli(
    'demo',
    '--labels-per-class',
    '2',
    '--test-per-class',
    '2',
    '--epochs',
    '1',
    '--image-size',
    '32',
    '--linear-size',
    '32',
    '--out',
    out,
    '--json',
  );
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as {
    rows: {
      strategy: string;
      layer: string;
      chosen: boolean;
      accuracy: number;
      testImages: number;
      report: string;
      bundle: string;
    }[];
  };
  assert.deepEqual(
    result.rows.map((r) => r.strategy),
    ['linear', 'finetune', 'lp-ft', 'scratch'],
  );
  // The probes' layer is chosen automatically and shown; finetune and scratch keep the default.
  const [linear, finetune, lpft, scratch] = result.rows;
  assert.ok(linear!.chosen && lpft!.chosen);
  assert.ok(!finetune!.chosen && !scratch!.chosen);
  assert.equal(finetune!.layer, 'out_relu');
  // Same training images, seed and size (32 px here): the same choice for both.
  assert.equal(lpft!.layer, linear!.layer);
  for (const row of result.rows) {
    assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
    assert.equal(row.testImages, 20);
    await fs.access(row.report);
    const info = await cli('info', row.bundle, '--json');
    assert.equal(JSON.parse(info.stdout).metrics.accuracy, row.accuracy);
  }
});

test('train killed with SIGKILL mid-run and resumed ends with the metrics of an uninterrupted run', async () => {
  const data = path.join(dir, 'colors');
  await writeColorFolder(data, { train: 10, test: 4 });
  const args = (out: string) => [
    'train',
    '--data',
    data,
    '--backbone',
    'resnet_tiny',
    '--strategy',
    'scratch',
    '--image-size',
    '32',
    '--epochs',
    '6',
    '--batch',
    '4',
    '--out',
    out,
    '--json',
  ];

  const straight = await cli(...args(path.join(dir, 'straight')));
  assert.equal(straight.code, 0, straight.stderr);
  const expected = JSON.parse(straight.stdout);

  const out = path.join(dir, 'killed');
  const child = execFile(process.execPath, [...CLI_ARGV, ...args(out)], {
    env: { ...process.env, VISIONTUNE_BACKEND: 'wasm' },
  });
  // Kill it once the second epoch's checkpoint exists: inside a later epoch.
  await new Promise<void>((resolve) => {
    const poll = setInterval(async () => {
      const names = await fs.readdir(path.join(out, 'checkpoints')).catch(() => [] as string[]);
      if (names.includes('epoch-0002')) {
        clearInterval(poll);
        setTimeout(resolve, 150);
      }
    }, 20);
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await assert.rejects(fs.access(path.join(out, 'report.html')), 'the killed run did not finish');

  const resumed = await cli(...args(out), '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  const got = JSON.parse(resumed.stdout);
  assert.equal(got.metrics.accuracy, expected.metrics.accuracy);
  assert.ok(
    Math.abs(got.metrics.nll - expected.metrics.nll) < 1e-5,
    `${got.metrics.nll} vs ${expected.metrics.nll}`,
  );
  const log = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(log.length, 6, 'one line per epoch, none repeated');
});

test('eval on the test split agrees with the metrics train reported', async () => {
  const data = path.join(dir, 'colors');
  const trained = JSON.parse(
    await fs.readFile(path.join(dir, 'straight', 'bundle', 'visiontune.json'), 'utf8'),
  );
  const run = await cli(
    'eval',
    '--model',
    path.join(dir, 'straight', 'bundle'),
    '--data',
    data,
    '--json',
  );
  assert.equal(run.code, 0, run.stderr);
  const metrics = JSON.parse(run.stdout);
  assert.equal(metrics.count, 12);
  assert.equal(
    metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0),
    12,
  );
  assert.equal(metrics.accuracy, trained.metrics.accuracy);
  for (const key of ['topK', 'balancedAccuracy', 'perClass', 'ece', 'macroF1'])
    assert.ok(key in metrics, key);
});

test('adapt: a run prints its result as JSON; bad input exits 2 naming the problem', async () => {
  const root = path.join(dir, 'adapt');
  const rng = new Rng(21);
  for (const [c, name] of ['red', 'blue'].entries()) {
    for (let i = 0; i < 6; i++) {
      const raw = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = rng.int(90) + (p % 3 === c * 2 ? 120 : 0);
      const png = await sharp(raw, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toBuffer();
      await fs.mkdir(path.join(root, 'source', name), { recursive: true });
      await fs.mkdir(path.join(root, 'target'), { recursive: true });
      await fs.writeFile(path.join(root, 'source', name, `${i}.png`), png);
      await fs.writeFile(path.join(root, 'target', `${name}${i}.png`), png);
    }
  }
  const args = [
    'adapt',
    '--source',
    path.join(root, 'source'),
    '--backbone',
    'resnet_tiny',
    '--scratch',
    '--image-size',
    '32',
    '--batch',
    '4',
    '--epochs',
    '1',
    '--bottleneck',
    '8',
    '--method',
    'coral',
    '--out',
    path.join(root, 'run'),
  ];
  const ok = await cli(...args, '--target', path.join(root, 'target'), '--json');
  assert.equal(ok.code, 0, ok.stderr);
  const result = JSON.parse(ok.stdout);
  assert.equal(result.config.method, 'coral');
  assert.equal(result.selectedEpoch, 1);
  // 12 images per domain: too few for a domain classifier, so the diagnostic is left out.
  assert.equal(result.proxyADistance, undefined);
  await fs.access(path.join(result.bundle, 'visiontune.json'));

  const empty = path.join(root, 'empty');
  await fs.mkdir(empty);
  const bad = await cli(...args, '--target', empty);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no readable images/);
  const noTarget = await cli(...args);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /target/);
  assert.doesNotMatch(bad.stderr + noTarget.stderr, /\n\s+at /);
});
