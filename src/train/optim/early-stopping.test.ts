import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';

function run(options: EarlyStoppingOptions, values: number[]) {
  const e = new EarlyStopping(options);
  const decisions = [];
  for (const [epoch, v] of values.entries()) {
    const d = e.update(epoch, { [options.monitor]: v, other: 0 });
    decisions.push(d);
    if (d.stop) break;
  }
  return { e, decisions };
}

test('patience and minDelta (min mode): stops and names the best epoch', () => {
  const { decisions } = run(
    { monitor: 'val_loss', patience: 2, minDelta: 0.1 },
    [1.0, 0.95, 0.85, 0.84, 0.9, 0.1],
  );
  // 0.95 is within minDelta of 1.0 (not better); 0.85 is; 0.84 and 0.9 are not → stop at epoch 4.
  assert.deepEqual(
    decisions.map((d) => d.improved),
    [true, false, true, false, false],
  );
  const last = decisions.at(-1)!;
  assert.equal(last.stop, true);
  assert.equal(last.bestEpoch, 2);
  assert.equal(last.best, 0.85);
});

test('max mode, NaN never improves, patience 0 stops at the first bad epoch', () => {
  const max = run({ monitor: 'acc', mode: 'max', patience: 2 }, [0.5, 0.7, 0.6, 0.8, 0.8, 0.79]);
  assert.equal(max.e.bestEpoch, 3);
  assert.equal(max.decisions.length, 6);
  assert.equal(max.e.stopped, true);
  const nan = run({ monitor: 'loss', patience: 1 }, [1, Number.NaN]);
  assert.deepEqual(
    nan.decisions.map((d) => [d.improved, d.stop]),
    [
      [true, false],
      [false, true],
    ],
  );
  const zero = run({ monitor: 'loss' }, [3, 2, 2.5]);
  assert.equal(zero.decisions.length, 3);
  assert.equal(zero.e.bestEpoch, 1);
});

test('a missing monitored metric is a user error', () => {
  const e = new EarlyStopping({ monitor: 'val_acc' });
  assert.throws(() => e.update(0, { val_loss: 1 }), VisiontuneError);
  assert.throws(() => new EarlyStopping({ monitor: 'x', patience: 1.5 }), VisiontuneError);
});

test('JSON round-trip at any epoch resumes identically', () => {
  const values = [2, 1.9, 1.95, 1.7, 1.71, 1.72, 1.69, 1.8, 1.9, 2];
  const options = { monitor: 'val_loss', patience: 3, minDelta: 0.005 };
  const whole = run(options, values).decisions;
  assert.equal(whole.at(-1)!.stop, true);
  for (let cut = 0; cut <= whole.length; cut++) {
    const e = new EarlyStopping(options);
    const first = values.slice(0, cut).map((v, i) => e.update(i, v));
    const resumed = EarlyStopping.fromJSON(JSON.parse(JSON.stringify(e.toJSON())));
    const rest = values.slice(cut, whole.length).map((v, i) => resumed.update(cut + i, v));
    assert.deepEqual([...first, ...rest], whole, `cut at ${cut}`);
  }
});
