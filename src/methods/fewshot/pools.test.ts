import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataSource } from '../../data/types.js';
import { VisiontuneError } from '../../errors.js';
import { buildPool, checkDisjoint, defaultClassSplit, parseClassList } from './pools.js';

const source: DataSource = {
  name: 'toy',
  classes: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
  splits: {
    train: Array.from({ length: 70 }, (_, i) => ({ id: `toy:${i}`, label: i % 7 })),
    test: Array.from({ length: 14 }, (_, i) => ({ id: `toy:${70 + i}`, label: i % 7 })),
  },
  read: () => Promise.reject(new Error('not read in this test')),
};

test('class lists by index range, name, or both; out-of-range and unknown names are usage errors', () => {
  assert.deepEqual(parseClassList('0-2,f', source, '--x'), [0, 1, 2, 5]);
  assert.deepEqual(parseClassList('b, b ,1', source, '--x'), [1]);
  assert.throws(
    () => parseClassList('5-9', source, '--test-classes'),
    /--test-classes: class index 7 is out of range/,
  );
  assert.throws(() => parseClassList('zebra', source, '--x'), /no class 'zebra'/);
});

test('the default split is seeded and its roles never share a class', () => {
  const split = defaultClassSplit(20, 4);
  assert.deepEqual(split, defaultClassSplit(20, 4));
  const all = [...split.train, ...split.val, ...split.test];
  assert.equal(new Set(all).size, 20);
  assert.deepEqual([split.train.length, split.val.length, split.test.length], [12, 4, 4]);
  assert.throws(() => defaultClassSplit(2, 0), VisiontuneError);
});

test('overlapping roles are refused, naming the class', () => {
  assert.throws(
    () => checkDisjoint({ train: [0, 1, 2], test: [2, 3] }, source),
    /class 'c' is in both the meta-train and the meta-test classes/,
  );
});

test('a pool takes every split of its classes, at most maxPerClass each, by seed', () => {
  const p = buildPool(source, [1, 3], { maxPerClass: 8, seed: 2, role: 'test' });
  assert.deepEqual(p.names, ['b', 'd']);
  assert.equal(p.samples.length, 16);
  for (const [c, items] of p.items.entries()) {
    assert.equal(items.length, 8);
    for (const i of items) assert.equal(p.samples[i]!.label, [1, 3][c]);
  }
  const full = buildPool(source, [1], { maxPerClass: 100, seed: 2, role: 'test' });
  assert.equal(full.samples.length, 12, '10 train + 2 test images of class b');
  assert.deepEqual(buildPool(source, [1, 3], { maxPerClass: 8, seed: 2, role: 'test' }), p);
});
