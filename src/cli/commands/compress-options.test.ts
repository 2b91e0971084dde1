// `compress distill|prune|quantize` flags as the commands read them, without running anything:
// every flag reaches its configuration field (prune's --steps among them), flags that set a
// field to false (--scratch, --train-bn) do, typed flags override a --config file whose values
// override the defaults, and a rule across fields names their flags.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { resolveCommandLine } from '../resolve-cli.js';
import { compressCommand } from './compress.js';

const resolved = (name: string, argv: string[]) =>
  resolveCommandLine(compressCommand, ['compress', name], argv);

const PRUNE = ['--model', 'teacher', '--data', 'images'];
const DISTILL = ['--teacher', 'teacher', '--data', 'images'];

test('compress prune: --steps, --train-bn and the other flags reach the configuration', async () => {
  const defaults = await resolved('prune', PRUNE);
  assert.equal(defaults.steps, 5);
  assert.equal(defaults.freezeBn, true);
  assert.equal(defaults.epochs, 5);
  assert.equal(defaults.lr, 3e-4);
  assert.equal(defaults.out, 'runs/prune');
  const config = await resolved('prune', [
    ...PRUNE,
    '--steps',
    '3',
    '--train-bn',
    '--multiple-of',
    '8',
    '--distill',
    '--unlabeled-batch',
    '16',
    '--seed',
    '4',
  ]);
  assert.equal(config.steps, 3);
  assert.equal(config.freezeBn, false);
  assert.equal(config.multipleOf, 8);
  assert.equal(config.distill, true);
  assert.equal(config.unlabeledBatch, 16);
  assert.equal(config.seed, 4);
});

test('compress distill: --scratch sets pretrained false; defaults are distillation’s', async () => {
  const defaults = await resolved('distill', DISTILL);
  assert.equal(defaults.pretrained, undefined, 'unset: whether the student has weights');
  assert.equal(defaults.lr, 3e-3);
  assert.equal(defaults.epochs, 10);
  assert.equal(defaults.out, 'runs/distill');
  const config = await resolved('distill', [...DISTILL, '--scratch', '--bn-momentum', '0.5']);
  assert.equal(config.pretrained, false);
  assert.equal(config.bnMomentum, 0.5);
});

test('compress: defaults < --config file < typed flags', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-compress-options-'));
  try {
    const file = path.join(dir, 'prune.json');
    await fs.writeFile(file, JSON.stringify({ model: 'm', data: 'd', seed: 7, steps: 2 }));
    const fromFile = await resolved('prune', ['--config', file]);
    assert.equal(fromFile.seed, 7, 'no flag default shadows the file');
    assert.equal(fromFile.steps, 2);
    const typed = await resolved('prune', ['--config', file, '--steps', '9']);
    assert.equal(typed.steps, 9);
    assert.equal(typed.seed, 7);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('compress: rules across fields name the fields and their flags', async () => {
  await assert.rejects(
    resolved('distill', [...DISTILL, '--hint-teacher', 'relu1']),
    (err: unknown) =>
      err instanceof ConfigError &&
      /hintTeacher \(--hint-teacher\), hintStudent \(--hint-student\): /.test(err.message),
  );
  await assert.rejects(
    resolved('distill', [...DISTILL, '--alpha', '0', '--unlabeled', 'images']),
    (err: unknown) =>
      err instanceof ConfigError &&
      /unlabeled \(--unlabeled\), alpha \(--alpha\): .*alpha 0/.test(err.message),
  );
  await assert.rejects(
    resolved('prune', [...PRUNE, '--unlabeled', 'images']),
    (err: unknown) =>
      err instanceof ConfigError &&
      /unlabeled \(--unlabeled\), distill \(--distill\): /.test(err.message),
  );
});

test('compress quantize: the library’s quantize options and the folders', async () => {
  const config = await resolved('quantize', [
    '--model',
    'runs/x',
    '--dtype',
    'uint16',
    '--out',
    'q',
    '--rounding',
    'nearest',
  ]);
  assert.deepEqual(
    { ...config },
    {
      model: 'runs/x',
      dtype: 'uint16',
      scope: 'kernels',
      rounding: 'nearest',
      seed: 0,
      overwrite: false,
      out: 'q',
      batchSize: 32,
      skipBad: false,
      verify: 'header',
    },
  );
  await assert.rejects(
    resolved('quantize', ['--model', 'm', '--out', 'q']),
    (err: unknown) => err instanceof ConfigError && /dtype \(--dtype\): /.test(err.message),
  );
});
