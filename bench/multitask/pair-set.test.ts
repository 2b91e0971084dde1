// Tests for the multi-task benchmark's classification pair and timing helper. `npm test` runs only
// src/**/*.test.ts, so these run when invoked explicitly:
//   node --import tsx --test bench/multitask/pair-set.test.ts
// The manifests are opened with the classification task opener the benchmark's runs use.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openTaskData } from '../../src/data/multitask/open-task.js';
import { median } from './inference.js';
import { makePairSet, type PairDataset } from './pair-set.js';

let root = '';
let sets: PairDataset[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mt-pair-'));
  sets = await makePairSet(root, { k: 2, testPerClass: 1, seeds: [0, 1] });
});
after(() => rm(root, { recursive: true, force: true }));

const paths = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.split(',')[0]!);

test('K per class per seed, a fixed test set, no image in both, the two datasets apart', async () => {
  assert.deepEqual(
    sets.map((s) => s.source),
    ['fashion-mnist', 'mnist'],
  );
  const seen = new Set<string>();
  for (const set of sets) {
    const test = await paths(set.test);
    assert.equal(test.length, 10);
    assert.equal(set.testImages, 10);
    const [s0, s1] = [await paths(set.train[0]!), await paths(set.train[1]!)];
    assert.equal(s0.length, 20);
    assert.notDeepEqual(s0, s1, 'seeds draw different images');
    for (const p of [...s0, ...s1]) assert.ok(!test.includes(p), `${p} is a test image`);
    const files = new Set([...s0, ...s1, ...test].map((p) => join(set.source, p)));
    for (const f of files) assert.ok(!seen.has(f));
    for (const f of files) seen.add(f);

    // Opened as the benchmark's classification tasks open them: 2 images of every class.
    const task = await openTaskData(
      {
        name: 'task',
        kind: 'classification',
        data: set.train[0]!,
        testData: set.test,
        classes: set.classes,
        val: 0,
      },
      { seed: 0 },
    );
    assert.deepEqual(task.classes, set.classes);
    assert.equal(task.train.length, 20);
    assert.equal(task.test?.length, 10);
    const perClass = new Map<number, number>();
    for (const item of task.train) {
      assert.equal(item.label.kind, 'classification');
      if (item.label.kind === 'classification')
        perClass.set(item.label.class, (perClass.get(item.label.class) ?? 0) + 1);
    }
    assert.deepEqual([...perClass.values()], new Array(10).fill(2));
  }
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
