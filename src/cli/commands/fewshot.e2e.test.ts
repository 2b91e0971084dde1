// `visiontune fewshot train` / `fewshot eval` end to end on the built-in Fashion-MNIST: real
// processes, a saved embedding bundle and report; bad episode specs exit 2 naming the problem.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, runCli } from '../run-cli.js';

function cli(...args: string[]): Promise<CliRun> {
  return runCli(args);
}

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-fewshot-meta-'));
});
after(() => fs.rm(work, { recursive: true, force: true }));

/** A tiny but real run: scratch resnet_tiny at 32 px, 30 images per class. */
const SMALL = [
  '--data',
  'fashion-mnist',
  '--train-classes',
  '0-4',
  '--test-classes',
  '5-9',
  '--backbone',
  'resnet_tiny',
  '--scratch',
  '--image-size',
  '32',
  '--max-per-class',
  '30',
  '--shots',
  '1,3',
  '--queries',
  '5',
  '--episodes',
  '8',
  '--meta-steps',
  '4',
  '--eval-every',
  '2',
  '--meta-batch',
  '2',
];

test('fewshot train: meta-trains protonet, scores it before and after, saves an embedding bundle and a report', async () => {
  const out = path.join(work, 'train');
  const r = await cli('fewshot', 'train', '--method', 'protonet', ...SMALL, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const [m] = result.methods;
  assert.equal(m.method, 'protonet');
  assert.deepEqual(
    m.results.map((x: { shots: number }) => x.shots),
    [1, 3],
  );
  assert.equal(m.untrained.length, 2);
  for (const x of [...m.results, ...m.untrained]) {
    assert.equal(x.n, 8);
    assert.ok(x.mean >= 0 && x.mean <= 1 && x.ci95 >= 0);
  }
  const meta = JSON.parse(await fs.readFile(path.join(out, 'bundle', 'visiontune.json'), 'utf8'));
  assert.equal(meta.task, 'embedding');
  assert.equal(meta.training.method, 'protonet');
  const saved = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
  assert.equal(saved.methods[0].history.length, 2, 'a record every 2 of 4 steps');
  const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /protonet/);
  assert.match(html, /Trouser/, 'meta-train classes listed');
  assert.match(html, /Sandal/, 'meta-test classes listed');
});

test('fewshot eval: several methods on the same episodes, a summary line each', async () => {
  const r = await cli(
    'fewshot',
    'eval',
    '--method',
    'centroid,finetune-head',
    ...SMALL,
    '--head-steps',
    '5',
    '--out',
    path.join(work, 'eval'),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /centroid\s+1-shot \d+\.\d ± \d+\.\d%/);
  assert.match(r.stdout, /finetune-head\s+1-shot/);
});

test('bad episode specs and class splits exit 2 and say why', async () => {
  const base = [
    'fewshot',
    'eval',
    '--method',
    'centroid',
    '--data',
    'fashion-mnist',
    '--backbone',
    'resnet_tiny',
    '--scratch',
    '--image-size',
    '32',
  ];
  const tooFew = await cli(
    ...base,
    '--train-classes',
    '0-4',
    '--test-classes',
    '5-9',
    '--max-per-class',
    '20',
    '--shots',
    '5',
    '--queries',
    '30',
  );
  assert.equal(tooFew.code, 2);
  assert.match(tooFew.stderr, /need 35 images per class/);
  assert.match(tooFew.stderr, /class 'Sandal' has 20/);
  const tooManyWays = await cli(
    ...base,
    '--train-classes',
    '0-4',
    '--test-classes',
    '5-9',
    '--ways',
    '6',
  );
  assert.equal(tooManyWays.code, 2);
  assert.match(
    tooManyWays.stderr,
    /6-way episodes need 6 classes, but the meta-test classes of fashion-mnist have 5/,
  );
  const overlap = await cli(...base, '--train-classes', '0-5', '--test-classes', '5-9');
  assert.equal(overlap.code, 2);
  assert.match(
    overlap.stderr,
    /class 'Sandal' is in both the meta-train and the meta-test classes/,
  );
  const unknown = await cli(...base, '--method', 'matching-nets');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown method 'matching-nets'/);
});
