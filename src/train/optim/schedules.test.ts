import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { lrAt } from './schedules.js';

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('cosine with warm-up at hand-computed points', () => {
  const s = { kind: 'cosine', lr: 1, warmupSteps: 10, minLr: 0.1 } as const;
  const T = 110;
  close(lrAt(0, T, s), 0, 'first step');
  close(lrAt(5, T, s), 0.5, 'mid warm-up');
  close(lrAt(10, T, s), 1, 'warm-up end');
  close(lrAt(60, T, s), 0.55, 'half-way through the cosine');
  close(lrAt(109, T, s), 0.1 + 0.45 * (1 + Math.cos((Math.PI * 99) / 100)), 'last step');
  close(lrAt(110, T, s), 0.1, 'one past the end');
  close(lrAt(500, T, s), 0.1, 'far past the end');
});

test('cosine against the published formulas (HF warm-up, torch CosineAnnealingLR)', () => {
  // get_cosine_schedule_with_warmup's multiplier, and CosineAnnealingLR's closed form with
  // eta_max = lr, T_max = T - W, T_cur = step - W.
  const lr = 3e-4;
  const minLr = 1e-6;
  for (const [T, W] of [
    [1000, 50],
    [37, 0],
    [10, 9],
  ]) {
    for (let step = 0; step < T; step++) {
      const ref =
        step < W
          ? (lr * step) / Math.max(1, W)
          : minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * (step - W)) / (T - W)))) / 2;
      close(
        lrAt(step, T, { kind: 'cosine', lr, warmupSteps: W, minLr }),
        ref,
        `T=${T} step=${step}`,
      );
    }
  }
});

test('step decay (StepLR) and constant', () => {
  const s = { kind: 'step', lr: 1, stepSize: 3, gamma: 0.5 } as const;
  assert.deepEqual(
    [0, 1, 2, 3, 5, 6, 9].map((k) => lrAt(k, 100, s)),
    [1, 1, 1, 0.5, 0.5, 0.25, 0.125],
  );
  assert.equal(lrAt(7, 10, { kind: 'step', lr: 2, stepSize: 5 }), 2 * 0.1);
  assert.equal(lrAt(7, 10, { kind: 'constant', lr: 0.3 }), 0.3);
});

/** torch OneCycleLR (cos, two phases), as documented: phases end at pct·T − 1 and T − 1. */
function oneCycleRef(
  step: number,
  T: number,
  maxLr: number,
  pct: number,
  div: number,
  fdiv: number,
) {
  const initial = maxLr / div;
  const phases = [
    { end: pct * T - 1, from: initial, to: maxLr },
    { end: T - 1, from: maxLr, to: initial / fdiv },
  ];
  let start = 0;
  for (const [i, ph] of phases.entries()) {
    if (step <= ph.end || i === phases.length - 1) {
      const p = (step - start) / (ph.end - start);
      return ph.to + ((ph.from - ph.to) / 2) * (Math.cos(Math.PI * p) + 1);
    }
    start = ph.end;
  }
  throw new Error('unreachable');
}

test('one-cycle: start, peak at pctStart, end, and torch formula at every step', () => {
  const s = { kind: 'onecycle', lr: 1 } as const; // pctStart 0.3, div 25, final div 1e4
  close(lrAt(0, 100, s), 1 / 25, 'start = maxLr / divFactor');
  close(lrAt(29, 100, s), 1, 'peak at pctStart·T − 1');
  assert.ok(lrAt(28, 100, s) < 1 && lrAt(30, 100, s) < 1);
  close(lrAt(64, 100, s), (1 + 1 / 25 / 1e4) / 2, 'half-way down');
  close(lrAt(99, 100, s), 1 / 25 / 1e4, 'last step = initial / finalDivFactor');
  for (const [T, pct, div, fdiv] of [
    [100, 0.3, 25, 1e4],
    [457, 0.25, 10, 100],
    [7, 0.5, 4, 10],
  ]) {
    for (let k = 0; k < T; k++) {
      const got = lrAt(k, T, {
        kind: 'onecycle',
        lr: 0.1,
        pctStart: pct,
        divFactor: div,
        finalDivFactor: fdiv,
      });
      close(got, oneCycleRef(k, T, 0.1, pct, div, fdiv), `T=${T} step=${k}`);
    }
  }
});

test('bad schedules are user errors', () => {
  assert.throws(() => lrAt(0, 10, { kind: 'cosine', lr: 1, warmupSteps: 10 }), VisiontuneError);
  assert.throws(() => lrAt(0, 10, { kind: 'step', lr: 1, stepSize: 0 }), VisiontuneError);
  assert.throws(() => lrAt(0, 3, { kind: 'onecycle', lr: 1, pctStart: 0.3 }), VisiontuneError);
  assert.throws(() => lrAt(-1, 10, { kind: 'constant', lr: 1 }), VisiontuneError);
  assert.throws(() => lrAt(0, 10, { kind: 'nope', lr: 1 } as never), VisiontuneError);
});

test('inverse annealing (Ganin et al. 2016): lr at p = 0, 1/2, 1 and past the end', () => {
  const s = { kind: 'inverse', lr: 0.01 } as const;
  assert.equal(lrAt(0, 200, s), 0.01);
  // η_p = η0 / (1 + 10p)^0.75: at p = 1/2 that is 0.01 / 6^0.75, at p = 1, 0.01 / 11^0.75.
  assert.ok(Math.abs(lrAt(100, 200, s) - 0.01 / 6 ** 0.75) < 1e-15);
  assert.ok(Math.abs(lrAt(200, 200, s) - 0.01 / 11 ** 0.75) < 1e-15);
  assert.equal(lrAt(300, 200, s), lrAt(200, 200, s));
  const custom = { kind: 'inverse', lr: 1, alpha: 1, beta: 1 } as const;
  assert.ok(Math.abs(lrAt(50, 100, custom) - 1 / 1.5) < 1e-15);
  assert.throws(() => lrAt(0, 10, { kind: 'inverse', lr: 1, alpha: -1 }), /alpha/);
});
