// Hostile bundles and model files through the real command: tampered copies of one tiny bundle
// (the quantizer tests' 8 px classifier) with weights outside the bundle, /dev/zero, a FIFO,
// wrong byte counts, a malformed manifest or topology, or absurd sizes in visiontune.json, for predict, info and compress quantize, and forged
// ONNX files for import. Each must exit 2 naming the file and the reason, quickly, without
// reading anything outside its root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { forgedOnnx } from '../backbones/onnx/malformed.js';
import { RED, solidJpeg } from '../data/test-fixtures.js';
import { saveTinyBundle } from '../methods/compress/quantize/test-bundle.js';
import { assertRefused, type HostileRoot, hostileRoot, vt } from './harness.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

let h: HostileRoot;
let good: string;
let image: string;
let weightsName: string;
let weightBytes: number;

before(async () => {
  h = await hostileRoot();
  good = path.join(h.root, 'good');
  await saveTinyBundle(good);
  weightsName = (await fs.readdir(good)).find((f) => f.endsWith('.bin'))!;
  weightBytes = (await fs.stat(path.join(good, weightsName))).size;
  image = path.join(h.data, 'x.jpg');
  await fs.writeFile(image, await solidJpeg(RED, 16));
});
after(() => h.cleanup());

type ModelJson = {
  modelTopology: { config: { layers: { class_name: string }[] } };
  weightsManifest: { paths: string[]; weights: { dtype: string; shape: number[] }[] }[];
};

/** A copy of the good bundle under data/, its model.json and files changed by `tamper`. */
async function tampered(
  name: string,
  tamper: (json: ModelJson, dir: string) => unknown | Promise<unknown>,
): Promise<string> {
  const dir = path.join(h.data, name);
  await fs.cp(good, dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as ModelJson;
  await tamper(json, dir);
  await fs.writeFile(file, JSON.stringify(json));
  return dir;
}

const setPaths = (json: ModelJson, paths: string[]) => {
  json.weightsManifest[0]!.paths = paths;
};

test('the untampered bundle predicts (the baseline every case below breaks)', async () => {
  const run = await vt('predict', '--model', good, image);
  assert.equal(run.code, 0, run.stderr);
});

test('weights outside the bundle (../, absolute, a link) are refused and never read', async () => {
  const canary = await h.canary('weights.bin', new Uint8Array(weightBytes));
  const rel = path.relative(path.join(h.data, 'dotdot'), canary);
  const dotdot = await tampered('dotdot', (j) => setPaths(j, [rel]));
  const absolute = await tampered('absolute', (j) => setPaths(j, [canary]));
  const linked = await tampered('linked', (j, dir) => {
    setPaths(j, ['link.bin']);
    return fs.symlink(canary, path.join(dir, 'link.bin'));
  });
  const runs = await Promise.all([
    vt('predict', '--model', dotdot, image),
    vt(
      'compress',
      'quantize',
      '--model',
      dotdot,
      '--dtype',
      'uint8',
      '--out',
      path.join(h.root, 'q1'),
    ),
    vt('predict', '--model', absolute, image),
    vt('predict', '--model', linked, image),
  ]);
  for (const run of runs)
    assertRefused(
      run,
      2,
      'model.json: weightsManifest[0].paths[0]',
      'a bundle reads only its own files',
    );
  assert.ok(runs[0]!.stderr.includes(`'${rel}' is outside`), runs[0]!.stderr);
  await h.assertUntouched(...runs);
});

test('/dev/zero as weights is refused at once (by path or through a link)', async () => {
  const direct = await tampered('devzero', (j) => setPaths(j, ['/dev/zero']));
  const linked = await tampered('devzero-link', (j, dir) => {
    setPaths(j, ['zero.bin']);
    return fs.symlink('/dev/zero', path.join(dir, 'zero.bin'));
  });
  for (const dir of [direct, linked]) {
    const started = Date.now();
    const run = await vt('predict', '--model', dir, image);
    assertRefused(run, 2, 'is outside', 'a bundle reads only its own files');
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  }
});

test('a FIFO as weights is refused without waiting for a writer', { timeout: 30_000 }, async () => {
  const dir = await tampered('fifo', async (_, d) => {
    await fs.rm(path.join(d, weightsName));
    execFileSync('mkfifo', [path.join(d, weightsName)]);
  });
  assertRefused(
    await vt('predict', '--model', dir, image),
    2,
    weightsName,
    'a FIFO (named pipe), not a regular file',
  );
});

test('empty, truncated or padded weights: the byte counts, before anything is allocated', async () => {
  const sized = (bytes: number) => async (_: ModelJson, dir: string) =>
    fs.writeFile(path.join(dir, weightsName), Buffer.alloc(bytes));
  const cases = [
    ['empty', 0, 'truncated or empty'],
    ['truncated', 100, 'truncated or empty'],
    ['padded', weightBytes + 8, 'extra bytes'],
  ] as const;
  await Promise.all(
    cases.map(async ([name, bytes, why]) => {
      const dir = await tampered(name, sized(bytes));
      const run = await vt('predict', '--model', dir, image);
      assertRefused(
        run,
        2,
        `${dir}/model.json`,
        `need ${weightBytes} bytes but ${weightsName} holds ${bytes} (${why})`,
      );
    }),
  );
});

test('a malformed manifest or topology names the file and the field or class', async () => {
  const cases: [string, (j: ModelJson) => void, string[]][] = [
    [
      'not-array',
      (j) => Object.assign(j, { weightsManifest: { paths: [] } }),
      ['weightsManifest', 'expected array'],
    ],
    [
      'bad-dtype',
      (j) => Object.assign(j.weightsManifest[0]!.weights[0]!, { dtype: 'float99' }),
      ['weightsManifest[0].weights[0].dtype'],
    ],
    [
      'huge-shape',
      (j) => Object.assign(j.weightsManifest[0]!.weights[0]!, { shape: [1e6, 1e6, 1e6, 4] }),
      ['impossible shape [1000000,1000000,1000000,4]'],
    ],
    [
      'unknown-class',
      (j) => Object.assign(j.modelTopology.config.layers[1]!, { class_name: 'FancyLayer' }),
      ["unknown layer class 'FancyLayer'"],
    ],
    ['no-topology', (j) => Object.assign(j, { modelTopology: 'x' }), ['modelTopology']],
  ];
  await Promise.all(
    cases.map(async ([name, change, texts]) => {
      const dir = await tampered(name, change);
      assertRefused(await vt('predict', '--model', dir, image), 2, `${dir}/model.json`, ...texts);
    }),
  );
  const unknown = path.join(h.data, 'unknown-class');
  assertRefused(
    await vt(
      'compress',
      'quantize',
      '--model',
      unknown,
      '--dtype',
      'uint8',
      '--out',
      path.join(h.root, 'q2'),
    ),
    2,
    "unknown layer class 'FancyLayer'",
  );
});

test('a huge input size in visiontune.json is refused before any tensor is made', async () => {
  const dir = await tampered('huge-input', async (_, d) => {
    const file = path.join(d, 'visiontune.json');
    const meta = JSON.parse(await fs.readFile(file, 'utf8'));
    meta.preprocessing.inputSize = 1_000_000;
    await fs.writeFile(file, JSON.stringify(meta));
  });
  for (const run of await Promise.all([vt('predict', '--model', dir, image), vt('info', dir)]))
    assertRefused(run, 2, `${dir}/visiontune.json`, 'preprocessing.inputSize: Too big');
});

test('import refuses forged ONNX tensors and inputs, naming the file, tensor and reason', async () => {
  const huge = { low: 0, high: 0x40000000 };
  const cases: [string, Uint8Array, string][] = [
    [
      'huge-dims',
      forgedOnnx({ dims: [huge, huge], rawData: new Uint8Array(16) }),
      'tensor W: dimension',
    ],
    [
      'overflow',
      forgedOnnx({ dims: [2 ** 30, 2 ** 30, 2 ** 30], rawData: new Uint8Array(16) }),
      'describe an impossible size',
    ],
    [
      'huge-raw',
      forgedOnnx({ dims: [2, 2], rawData: new Uint8Array(1 << 20) }),
      'raw_data holds 1048576 bytes but dims [2,2] need 16',
    ],
    [
      'short-raw',
      forgedOnnx({ dims: [1000, 1000], rawData: new Uint8Array(16) }),
      'raw_data holds 16 bytes but dims [1000,1000] need 4000000',
    ],
    [
      'external',
      forgedOnnx({ dims: [4], external: true }),
      "external data ../../secret.bin: the data file must be inside the model's folder",
    ],
    [
      'huge-input',
      forgedOnnx({ dims: [1], rawData: new Uint8Array(4) }, [1, 3, 100000, 100000]),
      'larger than the 4096 px',
    ],
  ];
  await Promise.all(
    cases.map(async ([name, bytes, text]) => {
      const file = path.join(h.data, `${name}.onnx`);
      await fs.writeFile(file, bytes);
      const run = await vt('import', file, '--out', path.join(h.root, `imported-${name}`));
      assertRefused(run, 2, file, text);
    }),
  );
  // An exported-bundle .onnx run by ONNX Runtime: its external data is never opened either.
  const external = path.join(h.data, 'external.onnx');
  assertRefused(
    await vt('predict', '--model', external, '--engine', 'onnx', image),
    2,
    `${external}: tensor W keeps its data in an external file (not read)`,
  );
  await h.assertUntouched();
});
