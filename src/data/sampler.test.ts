import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancedWeights, classCounts, epochOrder } from './sampler.js';
import type { Sample } from './types.js';

const samples: Sample[] = [0, 0, 0, 1, 2, 2].map((label, i) => ({ id: String(i), label }));

test('balanced weights are 1 / class count, normalized so each class has equal mass', () => {
  assert.deepEqual(
    [...classCounts(samples)],
    [
      [0, 3],
      [1, 1],
      [2, 2],
    ],
  );
  const w = balancedWeights(samples);
  assert.deepEqual(
    [...w].map((x) => x * 9),
    [1, 1, 1, 3, 1.5, 1.5],
  );
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('epoch order: identity, seeded permutation, or balanced draws with replacement', () => {
  const base = { seed: 1, epoch: 0, shuffle: false, balanced: false };
  assert.deepEqual(epochOrder(samples, base), [0, 1, 2, 3, 4, 5]);
  const p = epochOrder(samples, { ...base, shuffle: true });
  assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(epochOrder(samples, { ...base, shuffle: true }), p);
  const b = epochOrder(samples, { ...base, balanced: true });
  assert.equal(b.length, 6);
  assert.ok(b.every((i) => i >= 0 && i < 6));
});
