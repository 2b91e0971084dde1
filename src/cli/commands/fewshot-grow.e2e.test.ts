// `visiontune fewshot fit` / `fewshot add` end to end: real processes, PNG folders, bundles on
// disk; then `visiontune predict` on the grown bundle; bad input exits 2 naming the problem.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, patternFolder } from '../../methods/fewshot/classifier/test-folders.js';
import { type CliRun, runCli } from '../run-cli.js';

function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, 'wasm');
}

let work: string;
before(async () => {
  work = await makeTempDir('vt-cli-fewshot-');
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('fit, add, then predict on the grown bundle', async () => {
  const old = await patternFolder(path.join(work, 'old'), ['ant', 'bee'], 3);
  const fresh = await patternFolder(path.join(work, 'new'), ['cat'], 2);
  const bundle = path.join(work, 'bundle');
  const fit = await cli(
    'fewshot',
    'fit',
    '--backbone',
    'resnet_tiny',
    '--image-size',
    '32',
    '--support',
    old,
    '--out',
    bundle,
    '--metric',
    'euclidean',
    '--finetune-steps',
    '3',
    '--json',
  );
  assert.equal(fit.code, 0, fit.stderr);
  const fitted = JSON.parse(fit.stdout);
  assert.equal(fitted.bundle, bundle);
  assert.equal(fitted.metric, 'euclidean');
  assert.deepEqual(fitted.labels, ['ant', 'bee']);
  assert.equal(fitted.finetuneLosses.length, 3);

  const add = await cli('fewshot', 'add', '--model', bundle, '--support', fresh, '--json');
  assert.equal(add.code, 0, add.stderr);
  const added = JSON.parse(add.stdout);
  assert.equal(added.bundle, bundle, 'in place by default');
  assert.deepEqual(added.labels, ['ant', 'bee', 'cat']);
  assert.deepEqual(added.added, [{ label: 'cat', shots: 2 }]);
  assert.deepEqual(
    added.classes.map((c: { label: string; addedBy: string }) => `${c.label}:${c.addedBy}`),
    ['ant:fit', 'bee:fit', 'cat:add'],
  );

  const predict = await cli('predict', '--model', bundle, old, fresh, '--json');
  assert.equal(predict.code, 0, predict.stderr);
  const { predictions } = JSON.parse(predict.stdout) as {
    predictions: { id: string; top: { label: string }[] }[];
  };
  assert.equal(predictions.length, 8);
  for (const p of predictions) {
    assert.equal(p.top[0]!.label, path.basename(path.dirname(p.id)), p.id);
  }
});

test('bad input exits 2: a one-class support folder, a class the bundle already has', async () => {
  const one = await patternFolder(path.join(work, 'one'), ['solo'], 2);
  const single = await cli(
    'fewshot',
    'fit',
    '--backbone',
    'resnet_tiny',
    '--image-size',
    '32',
    '--support',
    one,
    '--out',
    path.join(work, 'never'),
  );
  assert.equal(single.code, 2, single.stderr);
  assert.match(single.stderr, /at least 2 classes.*solo/);
  await assert.rejects(fs.stat(path.join(work, 'never')));

  const two = await patternFolder(path.join(work, 'two'), ['ant', 'bee'], 1);
  const bundle = path.join(work, 'dup-bundle');
  const ok = await cli(
    'fewshot',
    'fit',
    '--backbone',
    'resnet_tiny',
    '--image-size',
    '32',
    '--support',
    two,
    '--out',
    bundle,
    '--quiet',
  );
  assert.equal(ok.code, 0, ok.stderr);
  const dup = await patternFolder(path.join(work, 'dup'), ['bee'], 1);
  const clash = await cli('fewshot', 'add', '--model', bundle, '--support', dup);
  assert.equal(clash.code, 2, clash.stderr);
  assert.match(clash.stderr, /'bee' already in/);
});
