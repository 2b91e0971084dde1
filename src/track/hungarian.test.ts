import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { assign } from './hungarian.js';

/** Best (most admissible pairs, then least cost) over every injective row->col map. */
function bruteForce(cost: number[][], maxCost = Number.POSITIVE_INFINITY) {
  const n = cost.length;
  const m = n === 0 ? 0 : cost[0]!.length;
  let best = { count: -1, total: Number.POSITIVE_INFINITY };
  const usedCols = new Array<boolean>(m).fill(false);
  const walk = (i: number, count: number, total: number) => {
    if (i === n) {
      if (count > best.count || (count === best.count && total < best.total - 1e-12)) {
        best = { count, total };
      }
      return;
    }
    walk(i + 1, count, total); // row i left unassigned
    for (let j = 0; j < m; j++) {
      if (usedCols[j] || !(cost[i]![j]! <= maxCost)) continue;
      usedCols[j] = true;
      walk(i + 1, count + 1, total + cost[i]![j]!);
      usedCols[j] = false;
    }
  };
  walk(0, 0, 0);
  return best;
}

function randomMatrix(rng: Rng, n: number, m: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.next()));
}

function check(cost: number[][], maxCost?: number) {
  const got = assign(cost, maxCost === undefined ? {} : { maxCost });
  const rows = new Set(got.pairs.map((p) => p[0]));
  const cols = new Set(got.pairs.map((p) => p[1]));
  assert.equal(rows.size, got.pairs.length, 'a row used twice');
  assert.equal(cols.size, got.pairs.length, 'a column used twice');
  assert.equal(got.unmatchedRows.length + got.pairs.length, cost.length);
  for (const [i, j] of got.pairs) if (maxCost !== undefined) assert.ok(cost[i]![j]! <= maxCost);
  const total = got.pairs.reduce((s, [i, j]) => s + cost[i]![j]!, 0);
  const best = bruteForce(cost, maxCost);
  assert.equal(got.pairs.length, best.count);
  assert.ok(Math.abs(total - best.total) < 1e-9, `cost ${total} vs brute force ${best.total}`);
}

test('matches brute force on random square matrices', () => {
  const rng = new Rng(1);
  for (let t = 0; t < 200; t++) {
    const n = 1 + rng.int(6);
    check(randomMatrix(rng, n, n));
  }
});

test('matches brute force on rectangular matrices, both ways', () => {
  const rng = new Rng(2);
  for (let t = 0; t < 200; t++) {
    const n = 1 + rng.int(6);
    const m = 1 + rng.int(6);
    check(randomMatrix(rng, n, m));
    check(randomMatrix(rng, m, n));
  }
});

test('with a max cost: most admissible pairs, then least cost, as brute force', () => {
  const rng = new Rng(3);
  for (let t = 0; t < 300; t++) {
    const n = 1 + rng.int(5);
    const m = 1 + rng.int(5);
    check(randomMatrix(rng, n, m), rng.next());
  }
});

test('threshold leaves pairs above the max cost unassigned', () => {
  const got = assign(
    [
      [0.1, 0.9],
      [0.95, 0.99],
    ],
    { maxCost: 0.5 },
  );
  assert.deepEqual(got.pairs, [[0, 0]]);
  assert.deepEqual(got.unmatchedRows, [1]);
  assert.deepEqual(got.unmatchedCols, [1]);
});

test('prefers two admissible pairs over one cheaper pair', () => {
  // Unconstrained, the diagonal (0.0 + 0.6) beats the anti-diagonal (0.8); filtering it after
  // would keep one pair. Gated matching keeps two admissible pairs instead.
  const got = assign(
    [
      [0.0, 0.4],
      [0.4, 0.6],
    ],
    { maxCost: 0.5 },
  );
  assert.deepEqual(got.pairs, [
    [0, 1],
    [1, 0],
  ]);
});

test('empty matrices and non-finite costs', () => {
  assert.deepEqual(assign([]), { pairs: [], unmatchedRows: [], unmatchedCols: [] });
  assert.deepEqual(assign([[], []]), { pairs: [], unmatchedRows: [0, 1], unmatchedCols: [] });
  const got = assign([
    [Number.NaN, 1],
    [Number.POSITIVE_INFINITY, 2],
  ]);
  assert.deepEqual(got.pairs, [[0, 1]]);
  assert.throws(() => assign([[1, 2], [3]]), RangeError);
});
