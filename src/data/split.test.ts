import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stratifiedSplit } from './split.js';
import type { Sample } from './types.js';

function samples(counts: number[]): Sample[] {
  const out: Sample[] = [];
  counts.forEach((n, label) => {
    for (let i = 0; i < n; i++) out.push({ id: `${label}/${i}`, label });
  });
  return out;
}

test('stratified split keeps class proportions and covers every sample once', () => {
  const all = samples([100, 50, 10]);
  const { train, val } = stratifiedSplit(all, 0.2, 1);
  const count = (list: Sample[], l: number) => list.filter((s) => s.label === l).length;
  assert.deepEqual(
    [0, 1, 2].map((l) => count(val, l)),
    [20, 10, 2],
  );
  assert.equal(train.length + val.length, all.length);
  assert.equal(new Set([...train, ...val].map((s) => s.id)).size, all.length);
  // Original relative order kept.
  assert.deepEqual(
    train,
    all.filter((s) => train.includes(s)),
  );
});

test('every class with >= 2 samples appears in both parts; singletons stay in train', () => {
  const { train, val } = stratifiedSplit(samples([2, 3, 1, 40]), 0.05, 3);
  for (const l of [0, 1, 3]) {
    assert.ok(
      val.some((s) => s.label === l),
      `class ${l} in val`,
    );
    assert.ok(
      train.some((s) => s.label === l),
      `class ${l} in train`,
    );
  }
  assert.ok(train.some((s) => s.label === 2) && !val.some((s) => s.label === 2));
  const big = stratifiedSplit(samples([2]), 0.99, 3);
  assert.deepEqual([big.train.length, big.val.length], [1, 1]);
});

test('split is reproducible by seed and changes with it', () => {
  const all = samples([30, 30]);
  const a = stratifiedSplit(all, 0.3, 7).val.map((s) => s.id);
  assert.deepEqual(
    stratifiedSplit(all, 0.3, 7).val.map((s) => s.id),
    a,
  );
  assert.notDeepEqual(
    stratifiedSplit(all, 0.3, 8).val.map((s) => s.id),
    a,
  );
  assert.throws(() => stratifiedSplit(all, 1.5, 0), RangeError);
});
