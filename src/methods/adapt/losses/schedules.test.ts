import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dannLambda } from './schedules.js';

const GRID = Array.from({ length: 101 }, (_, i) => i / 100);

test('dannLambda(p) = 2/(1 + e^(−10p)) − 1, i.e. tanh(5p)', () => {
  for (const p of [0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) {
    assert.ok(Math.abs(dannLambda(p) - Math.tanh(5 * p)) < 1e-15, `p=${p}`);
  }
  assert.equal(dannLambda(0), 0);
  assert.ok(Math.abs(dannLambda(1) - 0.9999092) < 1e-7, `${dannLambda(1)}`);
  assert.ok(dannLambda(1) < 1);
});

test('dannLambda clamps p to [0, 1] and rises strictly', () => {
  assert.equal(dannLambda(-0.5), 0);
  assert.equal(dannLambda(3), dannLambda(1));
  for (let i = 1; i < GRID.length; i++) {
    assert.ok(dannLambda(GRID[i]!) > dannLambda(GRID[i - 1]!), `at p=${GRID[i]}`);
  }
  assert.throws(() => dannLambda(Number.NaN), /progress/);
});
