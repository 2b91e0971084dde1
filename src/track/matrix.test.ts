import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { identity, inverse, mul, transpose } from './matrix.js';

test('inverse times the matrix is the identity (random well-conditioned matrices)', () => {
  const rng = new Rng(5);
  for (let t = 0; t < 20; t++) {
    const n = 1 + rng.int(7);
    // Diagonally dominant, so invertible.
    const a = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => rng.uniform(-1, 1) + (i === j ? n : 0)),
    );
    const p = mul(a, inverse(a));
    const id = identity(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) assert.ok(Math.abs(p[i]![j]! - id[i]![j]!) < 1e-12);
    }
  }
  assert.throws(
    () =>
      inverse([
        [1, 2],
        [2, 4],
      ]),
    RangeError,
  );
});

test('mul and transpose on a hand-computed case', () => {
  assert.deepEqual(mul([[1, 2, 3]], [[1], [2], [3]]), [[14]]);
  assert.deepEqual(transpose([[1, 2, 3]]), [[1], [2], [3]]);
});
