import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { type PlateauOptions, ReduceLROnPlateau } from './plateau.js';

/** Epochs (1-based) at which the lr dropped, and the lr after each epoch. */
function run(options: PlateauOptions, metrics: number[]) {
  const p = new ReduceLROnPlateau(options);
  const drops: number[] = [];
  const lrs = metrics.map((m, i) => {
    const r = p.step(m);
    if (r.reduced) drops.push(i + 1);
    return r.lr;
  });
  return { drops, lrs, p };
}

const flat = (n: number, v = 9) => Array.from({ length: n }, () => v);

test('patience: drops after more than `patience` bad epochs, then counts afresh', () => {
  const { drops, lrs } = run({ lr: 1, factor: 0.5, patience: 2 }, [10, 9, ...flat(8)]);
  // Best 9 at epoch 2; epochs 3, 4, 5 are bad → drop at 5; 6, 7, 8 bad → drop at 8.
  assert.deepEqual(drops, [5, 8]);
  assert.deepEqual(lrs, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
});

test('cooldown: bad epochs during cooldown do not count', () => {
  const { drops } = run({ lr: 1, factor: 0.5, patience: 2, cooldown: 2 }, [10, 9, ...flat(10)]);
  // Drop at 5; epochs 6, 7 are cooldown; 8, 9, 10 bad → drop at 10.
  assert.deepEqual(drops, [5, 10]);
});

test('relative and absolute threshold; max mode; minLr and eps', () => {
  // rel 0.1: 8.5 is not < 9·0.9 = 8.1, so it is a bad epoch; 8 is an improvement.
  const rel = run({ lr: 1, patience: 1, threshold: 0.1 }, [9, 8.5, 8.4, 8]);
  assert.deepEqual(rel.drops, [3]);
  assert.deepEqual(rel.lrs, [1, 1, 0.1, 0.1]);
  assert.equal(rel.p.best, 8);
  const abs = run({ lr: 1, patience: 1, threshold: 0.5, thresholdMode: 'abs' }, [9, 8.6, 8.7, 8]);
  // 8.6 and 8.7 are within 0.5 of 9 (bad, bad → drop at 3); 8 < 9 − 0.5 improves.
  assert.deepEqual(abs.drops, [3]);
  assert.equal(abs.p.best, 8);
  const max = run({ lr: 1, mode: 'max', patience: 0, factor: 0.5 }, [0.5, 0.6, 0.6, 0.7, 0.65]);
  assert.deepEqual(max.drops, [3, 5]);
  // minLr clamps; once the drop would be smaller than eps nothing changes any more.
  const floor = run({ lr: 1, patience: 0, factor: 0.1, minLr: 0.05 }, [1, 2, 2, 2]);
  assert.deepEqual(floor.lrs, [1, 0.1, 0.05, 0.05]);
  assert.deepEqual(floor.drops, [2, 3]);
  // NaN is never an improvement.
  assert.deepEqual(run({ lr: 1, patience: 1 }, [1, Number.NaN, Number.NaN]).drops, [3]);
});

test('JSON round-trip at any epoch resumes identically', () => {
  const metrics = [5, 4, 4.2, 4.1, 4, 3.9, 3.95, 4, 4, 4, 3, 3, 3.5, 3.2, 3.1, 3.3, 3.3];
  const options: PlateauOptions = {
    lr: 0.1,
    factor: 0.3,
    patience: 2,
    cooldown: 1,
    threshold: 0.01,
  };
  const whole = run(options, metrics);
  assert.ok(whole.drops.length >= 2, `script should drop at least twice: ${whole.drops}`);
  for (let cut = 0; cut <= metrics.length; cut++) {
    const first = run(options, metrics.slice(0, cut));
    const saved = JSON.parse(JSON.stringify(first.p.toJSON()));
    const resumed = ReduceLROnPlateau.fromJSON(saved);
    const rest = metrics.slice(cut).map((m) => resumed.step(m).lr);
    assert.deepEqual([...first.lrs, ...rest], whole.lrs, `cut at ${cut}`);
  }
});

test('bad options are user errors', () => {
  assert.throws(() => new ReduceLROnPlateau({ lr: 1, factor: 1 }), VisiontuneError);
  assert.throws(() => new ReduceLROnPlateau({ lr: 1, patience: -1 }), VisiontuneError);
  assert.throws(() => new ReduceLROnPlateau({ lr: 1, mode: 'up' as 'min' }), VisiontuneError);
});
