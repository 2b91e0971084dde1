import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { lrAt } from '../../train/optim/index.js';
import { resolveTrainConfig } from './config.js';
import { fitOptions } from './fit-options.js';

const config = (extra: Record<string, unknown>) =>
  resolveTrainConfig({ data: 'x', strategy: 'scratch', epochs: 6, ...extra });

test('each schedule kind gives the loop the lr curve its name promises', () => {
  const steps = 10; // per epoch; 60 in all
  const at = (schedule: string, step: number) =>
    lrAt(step, 60, fitOptions(config({ schedule }), 0.1, steps, true).schedule);
  // cosine: linear warm-up over the first epoch, peak, then down to ~0.
  assert.ok(at('cosine', 0) < 0.02);
  assert.ok(Math.abs(at('cosine', steps) - 0.1) < 1e-12);
  assert.ok(at('cosine', 59) < 1e-3);
  // step: x0.1 at 1/3 and 2/3 of the run.
  assert.deepEqual(
    [0, 19, 20, 39, 40, 59].map((s) => +at('step', s).toPrecision(6)),
    [0.1, 0.1, 0.01, 0.01, 0.001, 0.001],
  );
  // one-cycle peaks at the given lr, starts and ends far below it.
  const onecycle = Array.from({ length: 60 }, (_, s) => at('onecycle', s));
  assert.ok(Math.abs(Math.max(...onecycle) - 0.1) < 1e-3);
  assert.ok(onecycle[0] < 0.01 && onecycle[59] < 1e-4);
  assert.equal(at('constant', 37), 0.1);
});

test('plateau and early stopping watch val_loss, and need validation images', () => {
  const o = fitOptions(
    config({ schedule: 'plateau', earlyStopping: 3, clipNorm: 1 }),
    0.1,
    5,
    true,
  );
  assert.equal(o.plateau?.monitor, 'val_loss');
  assert.equal(o.plateau?.options.lr, 0.1);
  assert.deepEqual(o.earlyStopping, { monitor: 'val_loss', patience: 3 });
  assert.equal(o.clipNorm, 1);
  assert.throws(
    () => fitOptions(config({ earlyStopping: 2 }), 0.1, 5, false),
    (err: unknown) =>
      err instanceof VisiontuneError &&
      err.exitCode === 2 &&
      /earlyStopping watch the validation loss.*--val > 0/.test(err.message),
  );
});

test('network-only options on a linear run are usage errors', () => {
  assert.throws(
    () => resolveTrainConfig({ data: 'x', strategy: 'linear', schedule: 'step', clipNorm: 1 }),
    /schedule, clipNorm: only apply to strategies finetune and scratch/,
  );
  assert.throws(() => resolveTrainConfig({ data: 'x', schedule: 'exponential' }), /schedule/);
});
