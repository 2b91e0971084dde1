// Sampling across tasks: exact per-epoch task frequencies for each strategy (hand-computed
// shares), each image once under proportional, small tasks walking all their images before
// repeating one, and the same plan for the same (seed, epoch) — different for another epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochPlan, quotas, taskShares } from './sampling.js';
import type { MultiTaskSample, TaskLabel } from './types.js';

const label: TaskLabel = { kind: 'multilabel', classes: [] };

/** 100 images: task a labels images 0..89, task b images 85..99 (5 shared). */
function samples(): MultiTaskSample[] {
  return Array.from({ length: 100 }, (_, i) => ({
    id: `img${i}`,
    key: `img${i}`,
    read: async () => ({ data: new Uint8Array(3), width: 1, height: 1 }),
    labels: { ...(i < 90 ? { a: label } : {}), ...(i >= 85 ? { b: label } : {}) },
  }));
}

const count = (xs: readonly number[], v: number) => xs.filter((x) => x === v).length;

test('shares: proportional ∝ n, uniform equal, temperature ∝ n^(1/T); quotas sum exactly', () => {
  assert.deepEqual(taskShares([90, 15], 'proportional'), [90 / 105, 15 / 105]);
  assert.deepEqual(taskShares([90, 15], 'uniform'), [0.5, 0.5]);
  const t = taskShares([90, 10], 'temperature', 2);
  assert.ok(Math.abs(t[0]! - Math.sqrt(90) / (Math.sqrt(90) + Math.sqrt(10))) < 1e-12);
  assert.ok(Math.abs(t[0]! - 0.75) < 1e-12, 'sqrt(90) = 3·sqrt(10)');
  assert.deepEqual(taskShares([90, 0], 'uniform'), [1, 0], 'a task without images gets nothing');
  assert.deepEqual(quotas([1 / 3, 1 / 3, 1 / 3], 100), [34, 33, 33]);
  assert.deepEqual(quotas([0.75, 0.25], 10), [8, 2], '7.5 + 2.5: ties go to the first task');
});

test('proportional: every image exactly once per epoch, shuffled by epoch', () => {
  const data = samples();
  const e0 = epochPlan(data, ['a', 'b'], { strategy: 'proportional', seed: 3, epoch: 0 });
  assert.deepEqual(
    [...e0.order].sort((x, y) => x - y),
    data.map((_, i) => i),
  );
  assert.notDeepEqual(
    e0.order,
    data.map((_, i) => i),
    'shuffled',
  );
  const ordered = epochPlan(data, ['a', 'b'], {
    strategy: 'proportional',
    seed: 3,
    epoch: 0,
    shuffle: false,
  });
  assert.deepEqual(
    ordered.order,
    data.map((_, i) => i),
  );
});

test('uniform and temperature: each task drawn its exact share; draws come from its images', () => {
  const data = samples();
  for (const [strategy, expected] of [
    ['uniform', [50, 50]],
    // 90 and 15 images: sqrt shares 9.487 : 3.873 -> 71.01 and 28.99 of 100.
    ['temperature', [71, 29]],
  ] as const) {
    const plan = epochPlan(data, ['a', 'b'], { strategy, temperature: 2, seed: 1, epoch: 4 });
    assert.equal(plan.order.length, 100);
    assert.deepEqual([count(plan.drawnFor, 0), count(plan.drawnFor, 1)], expected, strategy);
    plan.order.forEach((i, p) => {
      const task = plan.drawnFor[p] === 0 ? 'a' : 'b';
      assert.ok(data[i]!.labels[task], `${strategy}: image ${i} drawn for ${task} has its label`);
    });
  }
  // An epoch size of its own: the shares scale with it.
  const long = epochPlan(data, ['a', 'b'], {
    strategy: 'uniform',
    seed: 1,
    epoch: 0,
    epochSize: 30,
  });
  assert.deepEqual([count(long.drawnFor, 0), count(long.drawnFor, 1)], [15, 15]);
});

test('a task walks all its images before repeating one, across epochs', () => {
  const data = samples();
  const drawsOf = (epoch: number, task: number) => {
    const plan = epochPlan(data, ['a', 'b'], { strategy: 'uniform', seed: 9, epoch });
    return plan.order.filter((_, p) => plan.drawnFor[p] === task);
  };
  // b: 15 images, 50 draws an epoch: every image 3 or 4 times; over 3 epochs (150 = 10 passes)
  // exactly 10 times each.
  const b = [0, 1, 2].flatMap((e) => drawsOf(e, 1));
  for (let i = 85; i < 100; i++) assert.equal(count(b, i), 10, `image ${i}`);
  // a: 90 images, 50 draws an epoch: 9 epochs = 5 passes, each image exactly 5 times.
  const a = Array.from({ length: 9 }, (_, e) => drawsOf(e, 0)).flat();
  for (let i = 0; i < 90; i++) assert.equal(count(a, i), 5, `image ${i}`);
  // Within one epoch no image of a repeats (50 < 90, one pass).
  assert.equal(new Set(drawsOf(2, 0)).size, 50);
});

test('the same seed and epoch give the same plan, another epoch or seed another one', () => {
  const data = samples();
  for (const strategy of ['proportional', 'uniform', 'temperature'] as const) {
    const plan = (seed: number, epoch: number) =>
      epochPlan(data, ['a', 'b'], { strategy, seed, epoch });
    assert.deepEqual(plan(5, 2), plan(5, 2), strategy);
    assert.notDeepEqual(plan(5, 2).order, plan(5, 3).order, strategy);
    assert.notDeepEqual(plan(5, 2).order, plan(6, 2).order, strategy);
  }
});
