import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { kendallTau } from './kendall.js';
import { rankedWeightedTau, weightedTau } from './weighted-tau.js';

test("weighted τ matches scipy.stats.weightedtau's documented examples (with ties)", () => {
  // scipy docs: x = [12, 2, 1, 12, 2], y = [1, 4, 7, 1, 0].
  const x = [12, 2, 1, 12, 2];
  const y = [1, 4, 7, 1, 0];
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(weightedTau(x, y), -0.56694968153682723);
  close(rankedWeightedTau(x, y), -0.4157652301037516); // weightedtau(x, y, rank=None)
  close(rankedWeightedTau(y, x), -0.7181341329699028); // weightedtau(y, x, rank=None)
});

test('weighted τ: 1 for the same order, −1 reversed; a swap at the top costs more than at the bottom', () => {
  assert.equal(weightedTau([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), 1);
  assert.equal(weightedTau([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1);
  const top = weightedTau([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]);
  const bottom = weightedTau([1, 2, 3, 4, 5], [2, 1, 3, 4, 5]);
  // Unweighted, both are the same single swap.
  assert.equal(
    kendallTau([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]),
    kendallTau([1, 2, 3, 4, 5], [2, 1, 3, 4, 5]),
  );
  assert.ok(top < bottom, `${top} ≥ ${bottom}`);
  assert.throws(() => weightedTau([1], [1, 2]), /1 scores for 2/);
});

test('weighted τ lies between −1 and 1 and is symmetric in its arguments, on random rankings', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const x = Array.from({ length: 12 }, () => rng.int(6));
    const y = Array.from({ length: 12 }, () => rng.int(6));
    const tau = weightedTau(x, y);
    assert.ok(tau >= -1 - 1e-12 && tau <= 1 + 1e-12, `${tau}`);
    assert.ok(Math.abs(tau - weightedTau(y, x)) < 1e-12);
  }
});
