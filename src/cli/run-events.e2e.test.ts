// `--events FILE` end to end: a real `visiontune train` appends log, batch and epoch events as it
// runs and a final result; a failing command ends with an error event. The classification run
// also writes evaluation.json (every held-out image's prediction).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EVALUATION_FILE, type EvaluationFile } from '../methods/classification/evaluation-file.js';
import { TINY_TRAIN, writeColourFolder } from '../studio/runs/test-project.js';
import type { CliRunEvent } from '../train/run-events.js';
import { runCli } from './run-cli.js';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-events-'));
  await writeColourFolder(path.join(dir, 'data'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const readEvents = async (file: string): Promise<CliRunEvent[]> =>
  (await fs.readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

test('train --events: log, batch and epoch events as it runs, then the result; evaluation.json', async () => {
  const out = path.join(dir, 'run');
  const events = path.join(dir, 'events', 'run.jsonl');
  const flags = Object.entries(TINY_TRAIN).flatMap(([k, v]) => [
    `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(v),
  ]);
  const run = await runCli([
    'train',
    '--data',
    path.join(dir, 'data'),
    ...flags,
    '--out',
    out,
    '--events',
    events,
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const list = await readEvents(events);
  const types = list.map((e) => e.type);
  assert.ok(types.includes('log'), 'the printed lines arrive as log events, even with --json');
  const batches = list.filter((e) => e.type === 'batch');
  // 18 train images minus the validation share, batch 6: at least 2 batches in each of 2 epochs.
  assert.ok(batches.length >= 4, `${batches.length} batch events`);
  const first = batches[0]!;
  assert.deepEqual([first.epoch, first.epochs, first.batch], [1, 2, 1]);
  assert.ok(first.batches !== undefined && first.batches >= 2);
  assert.equal(typeof first.loss, 'number');
  const epochs = list.filter((e) => e.type === 'epoch');
  assert.deepEqual(
    epochs.map((e) => e.record.epoch),
    [1, 2],
  );
  // Each epoch's batches come before its epoch event.
  assert.ok(types.indexOf('epoch') > types.indexOf('batch'));
  const last = list.at(-1)!;
  assert.equal(last.type, 'result');
  assert.equal((last.value as { bundle: string }).bundle, path.join(out, 'bundle'));

  const evaluation = JSON.parse(
    await fs.readFile(path.join(out, EVALUATION_FILE), 'utf8'),
  ) as EvaluationFile;
  assert.equal(evaluation.evaluatedOn, 'test');
  assert.deepEqual(evaluation.labels, ['blue', 'green', 'red']);
  assert.equal(evaluation.predictions.length, 6);
  for (const p of evaluation.predictions) {
    assert.ok(evaluation.labels.includes(p.predicted));
    assert.ok(p.confidence > 0 && p.confidence <= 1);
    assert.equal(p.label, path.basename(path.dirname(p.id)));
    await fs.access(p.id); // the image's path
  }
  const total = evaluation.confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 6);
  const correct = evaluation.predictions.filter((p) => p.label === p.predicted).length;
  assert.equal(
    correct,
    evaluation.labels.reduce((s, _l, i) => s + evaluation.confusion[i]![i]!, 0),
  );
});

test('a failing command ends its events with an error naming the problem', async () => {
  const events = path.join(dir, 'fail.jsonl');
  const run = await runCli([
    'train',
    '--data',
    path.join(dir, 'no-such-folder'),
    '--out',
    path.join(dir, 'fail-run'),
    '--events',
    events,
  ]);
  assert.notEqual(run.code, 0);
  const last = (await readEvents(events)).at(-1)!;
  assert.equal(last.type, 'error');
  assert.match(last.message, /no-such-folder/);
  assert.equal(last.code, 'BAD_INPUT');
});

test('adapt writes evaluation.json (source val without target labels) and reports its batches', async () => {
  const target = path.join(dir, 'target');
  await fs.mkdir(target, { recursive: true });
  const train = path.join(dir, 'data', 'train');
  for (const cls of await fs.readdir(train))
    for (const name of await fs.readdir(path.join(train, cls)))
      await fs.copyFile(path.join(train, cls, name), path.join(target, name));
  const out = path.join(dir, 'adapt-run');
  const events = path.join(dir, 'adapt.jsonl');
  const run = await runCli([
    'adapt',
    '--source',
    path.join(dir, 'data'),
    '--target',
    target,
    '--backbone',
    'resnet_tiny',
    '--scratch',
    '--epochs',
    '1',
    '--batch',
    '4',
    '--image-size',
    '32',
    '--out',
    out,
    '--events',
    events,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const list = await readEvents(events);
  assert.ok(list.some((e) => e.type === 'batch'));
  assert.equal(list.at(-1)?.type, 'result');
  const evaluation = JSON.parse(
    await fs.readFile(path.join(out, EVALUATION_FILE), 'utf8'),
  ) as EvaluationFile;
  assert.equal(evaluation.evaluatedOn, 'val');
  assert.ok(evaluation.predictions.length > 0);
  assert.equal(
    evaluation.confusion.flat().reduce((a, b) => a + b, 0),
    evaluation.predictions.length,
  );
});
