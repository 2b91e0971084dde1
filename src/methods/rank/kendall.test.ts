import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kendallTau } from './kendall.js';

test("Kendall's τ-b matches scipy.stats.kendalltau's documented example (with ties)", () => {
  // scipy docs: x = [12, 2, 1, 12, 2], y = [1, 4, 7, 1, 0] → statistic −0.47140452079103173.
  const tau = kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]);
  assert.ok(Math.abs(tau - -0.47140452079103173) < 1e-12, `${tau}`);
});

test('same order 1, reversed −1, constant undefined; a single swap of 4 gives 2/3', () => {
  assert.equal(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3])));
  // 6 pairs, one discordant: (5 − 1) / 6.
  assert.ok(Math.abs(kendallTau([1, 2, 3, 4], [1, 3, 2, 4]) - 4 / 6) < 1e-15);
  assert.throws(() => kendallTau([1], [1, 2]), /1 scores for 2/);
});
