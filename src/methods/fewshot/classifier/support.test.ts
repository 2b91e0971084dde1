// Choosing support images: test held out when there is anything else, seeded K per class, and
// class subsets of a source re-indexed (no images are decoded here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataSource, Sample } from '../../../data/types.js';
import type { VisiontuneError } from '../../../errors.js';
import { selectSupport, subsetSource } from './support.js';

const samples = (prefix: string, labels: number[]): Sample[] =>
  labels.map((label, i) => ({ id: `${prefix}${i}`, label }));

function source(splits: DataSource['splits'], classes = ['a', 'b']): DataSource {
  return {
    name: 'mem',
    classes,
    splits,
    read: async () => ({ data: new Uint8Array(3), width: 1, height: 1 }),
  };
}

test('support is train + val; test only when there is nothing else', () => {
  const both = selectSupport(
    source({ train: samples('t', [0, 1, 1]), val: samples('v', [0]), test: samples('x', [0, 1]) }),
    { minClasses: 2 },
  );
  assert.deepEqual(
    both.samples.map((s) => s.id),
    ['t0', 'v0', 't1', 't2'],
  );
  assert.deepEqual(both.counts, [2, 2]);
  const loose = selectSupport(source({ test: samples('x', [0, 1]) }), { minClasses: 2 });
  assert.equal(loose.samples.length, 2);
});

test('shots: at most K per class, the same K for the same seed', () => {
  const many = source({ train: samples('t', [0, 0, 0, 0, 0, 1, 1]) });
  const a = selectSupport(many, { shots: 3, seed: 4, minClasses: 2 });
  const b = selectSupport(many, { shots: 3, seed: 4, minClasses: 2 });
  assert.deepEqual(a.counts, [3, 2]);
  assert.deepEqual(a.samples, b.samples);
});

test('a class with no support images (only test ones) is named', () => {
  const s = source({ train: samples('t', [0, 0]), test: samples('x', [1]) });
  assert.throws(
    () => selectSupport(s, { minClasses: 2 }),
    (err: VisiontuneError) => err.exitCode === 2 && err.details.includes('b: 0 images'),
  );
});

test('subsetSource keeps the named classes in the given order, K per class', () => {
  const s = source({ train: samples('t', [0, 1, 2, 2, 2, 1]) }, ['a', 'b', 'c']);
  const sub = subsetSource(s, { classes: ['c', 'a'], split: 'train', perClass: 2, seed: 0 });
  assert.deepEqual(sub.classes, ['c', 'a']);
  const picked = sub.splits.train!;
  assert.deepEqual(
    picked.map((p) => p.label),
    [0, 0, 1],
  );
  assert.ok(picked.slice(0, 2).every((p) => ['t2', 't3', 't4'].includes(p.id)));
  assert.throws(() => subsetSource(s, { classes: ['zebra'], split: 'train', seed: 0 }), /zebra/);
});
