import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { initEngine } from '../engine/index.js';
import type { Callback } from './callbacks.js';
import { loadLatestCheckpoint } from './checkpoint.js';
import { fit } from './loop.js';
import { setup, tempDir } from './loop-test-setup.js';
import { cancelOn, timeBudget } from './stop-callbacks.js';

await initEngine({ backend: 'wasm' });

/** Counts optimizer steps; `each` runs after every batch (before the callbacks after it). */
function batchCounter(each: (steps: number) => void = () => {}) {
  const counter = { steps: 0, callback: {} as Callback };
  counter.callback = {
    onBatchEnd: () => {
      counter.steps++;
      each(counter.steps);
    },
  };
  return counter;
}

test('timeBudget stops after the batch that used up the budget (injected clock)', async () => {
  // The clock starts at 100 s and every batch takes 1 s: a 7 s budget runs out after batch 7,
  // the second batch of epoch 2 (5 batches per epoch).
  let clock = 100;
  const counter = batchCounter(() => {
    clock += 1;
  });
  const outDir = await tempDir();
  const callbacks = [counter.callback, timeBudget(7, { now: () => clock })];
  const result = await fit(setup(1, { outDir, callbacks }));
  assert.equal(result.stopReason, 'time-budget');
  assert.match(result.stopDetail ?? '', /^7 s budget used after 7\.0 s$/);
  assert.equal(counter.steps, 7);
  assert.deepEqual(
    result.history.map((r) => r.epoch),
    [1],
  );
  assert.equal((await loadLatestCheckpoint(path.join(outDir, 'checkpoints')))?.state.epoch, 1);
});

test('timeBudget leaves a run that fits in its budget alone, and refuses a budget <= 0', async () => {
  let clock = 0;
  const counter = batchCounter(() => {
    clock += 1;
  });
  const callbacks = [counter.callback, timeBudget(20.5, { now: () => clock })];
  const result = await fit(setup(1, { callbacks }));
  assert.equal(result.stopReason, 'completed');
  assert.equal(counter.steps, 20);
  assert.throws(() => timeBudget(0), RangeError);
});

test('cancelOn stops at the next batch boundary after the signal aborts', async () => {
  const controller = new AbortController();
  // A server cancelling the job while step 4 runs.
  const counter = batchCounter((steps) => {
    if (steps === 4) controller.abort(new Error('cancelled by the user'));
  });
  const callbacks = [counter.callback, cancelOn(controller.signal)];
  const result = await fit(setup(1, { callbacks }));
  assert.equal(result.stopReason, 'cancelled');
  assert.equal(result.stopDetail, 'cancelled by the user');
  assert.equal(counter.steps, 4);
  assert.deepEqual(result.history, []);
});

test('cancelOn with an already aborted signal runs no batch', async () => {
  const counter = batchCounter();
  const callbacks = [counter.callback, cancelOn(AbortSignal.abort())];
  const result = await fit(setup(1, { callbacks }));
  assert.equal(result.stopReason, 'cancelled');
  assert.equal(counter.steps, 0);
  assert.deepEqual(result.history, []);
});
