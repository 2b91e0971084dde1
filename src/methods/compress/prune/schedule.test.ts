// The cubic schedule of Zhu & Gupta (2017) against its formula at hand-picked points.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSchedule, isPruningStep, sparsityAt } from './schedule.js';

const s = { initial: 0, final: 0.8, beginStep: 10, endStep: 110, frequency: 25 };

test('sparsity follows s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³, held between updates', () => {
  assert.equal(sparsityAt(0, s), 0);
  assert.equal(sparsityAt(10, s), 0);
  // t = 35: (1 - 25/100)^3 = 0.421875 -> 0.8 - 0.8 * 0.421875
  assert.ok(Math.abs(sparsityAt(35, s) - (0.8 - 0.8 * 0.421875)) < 1e-12);
  assert.equal(sparsityAt(59, s), sparsityAt(35, s), 'held until the next update');
  assert.ok(Math.abs(sparsityAt(60, s) - (0.8 - 0.8 * 0.125)) < 1e-12);
  assert.equal(sparsityAt(110, s), 0.8);
  assert.equal(sparsityAt(1000, s), 0.8);
});

test('sparsity never decreases and the first updates prune the most', () => {
  let last = 0;
  const jumps: number[] = [];
  for (let t = 0; t <= 120; t++) {
    const v = sparsityAt(t, s);
    assert.ok(v >= last);
    if (v > last) jumps.push(v - last);
    last = v;
  }
  for (let i = 1; i < jumps.length; i++) assert.ok(jumps[i] < jumps[i - 1]);
});

test('masks update at t0, every Δt after it, and at the end', () => {
  const steps = Array.from({ length: 130 }, (_, t) => t).filter((t) => isPruningStep(t, s));
  assert.deepEqual(steps, [10, 35, 60, 85, 110]);
  const d = defaultSchedule(0.5, 400);
  assert.deepEqual([d.beginStep, d.endStep, d.frequency], [0, 300, 30]);
  assert.equal(sparsityAt(300, d), 0.5);
});
