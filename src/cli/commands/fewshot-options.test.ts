// `fewshot train|eval|fit|add` flags as the commands read them, without running anything: the
// spellings users have (--scratch, --train-bn, --first-order and --second-order, --method per
// command), --train-shots ranges, and the library's fit/add settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommanderError } from 'commander';
import { FEWSHOT_METHODS } from '../../methods/fewshot/methods/index.js';
import { resolveCommandLine } from '../resolve-cli.js';
import { fewshotCommand } from './fewshot.js';

const resolved = (name: string, argv: string[]) =>
  resolveCommandLine(fewshotCommand, ['fewshot', name], argv);

const DATA = ['--data', 'fashion-mnist'];

test('fewshot train/eval: --method defaults per command and reads one method or a list', async () => {
  assert.deepEqual((await resolved('train', DATA)).methods, ['protonet']);
  assert.deepEqual((await resolved('eval', DATA)).methods, [...FEWSHOT_METHODS]);
  assert.deepEqual((await resolved('train', [...DATA, '--method', 'maml'])).methods, ['maml']);
  const list = await resolved('eval', [...DATA, '--method', 'centroid, anil']);
  assert.deepEqual(list.methods, ['centroid', 'anil']);
  const all = await resolved('eval', [...DATA, '--method', 'all']);
  assert.deepEqual(all.methods, [...FEWSHOT_METHODS]);
  for (const [name, value] of [
    ['train', 'centroid,maml'],
    ['eval', 'matching-nets'],
  ]) {
    await assert.rejects(
      resolved(name, [...DATA, '--method', value]),
      (err: unknown) => err instanceof CommanderError && /unknown method/.test(err.message),
    );
  }
});

test('fewshot: --first-order and --second-order set firstOrder; unset leaves it to the method', async () => {
  assert.equal((await resolved('eval', DATA)).firstOrder, undefined);
  assert.equal((await resolved('eval', [...DATA, '--first-order'])).firstOrder, true);
  assert.equal((await resolved('train', [...DATA, '--second-order'])).firstOrder, false);
});

test('fewshot: --scratch, --train-bn, --unfreeze and --train-shots ranges', async () => {
  const defaults = await resolved('train', DATA);
  assert.equal(defaults.pretrained, true);
  assert.equal(defaults.freezeBn, undefined);
  assert.equal(defaults.unfreeze, 3);
  const config = await resolved('train', [
    ...DATA,
    '--scratch',
    '--train-bn',
    '--unfreeze',
    'all',
    '--train-shots',
    '2-4',
    '--train-ways',
    '3',
    '--shots',
    '1,3',
  ]);
  assert.equal(config.pretrained, false);
  assert.equal(config.freezeBn, false);
  assert.equal(config.unfreeze, 'all');
  assert.deepEqual(config.trainShots, [2, 4]);
  assert.equal(config.trainWays, 3);
  assert.deepEqual(config.shots, [1, 3]);
});

test('fewshot fit/add: the library settings and how to read the support images', async () => {
  const fit = await resolved('fit', [
    '--backbone',
    'resnet_tiny',
    '--support',
    'images',
    '--out',
    'b',
    '--finetune-steps',
    '5',
    '--shots',
    '3',
  ]);
  assert.deepEqual(
    { ...fit },
    {
      backbone: 'resnet_tiny',
      support: 'images',
      out: 'b',
      overwrite: false,
      metric: 'cosine',
      finetuneSteps: 5,
      finetuneLr: 0.01,
      // --layer defaults to auto (chosen on the support images).
      layer: 'auto',
      shots: 3,
      seed: 0,
      batchSize: 32,
      skipBad: false,
      verify: 'header',
    },
  );
  const add = await resolved('add', [
    '--model',
    'runs/fit',
    '--support',
    'more',
    '--verify',
    'full',
  ]);
  assert.deepEqual(
    { ...add },
    {
      model: 'runs/fit',
      support: 'more',
      overwrite: false,
      seed: 0,
      batchSize: 32,
      skipBad: false,
      verify: 'full',
    },
  );
});
