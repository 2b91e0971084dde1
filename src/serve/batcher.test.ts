import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatcherClosedError, createBatcher, QueueFullError } from './batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A batcher whose work doubles numbers (slowly) and records every batch it ran. */
function doubler(options: {
  maxBatch: number;
  maxWaitMs: number;
  queueLimit?: number;
  workMs?: number;
}) {
  const batches: number[][] = [];
  const batcher = createBatcher<number, number>({
    queueLimit: 1000,
    ...options,
    async run(items) {
      batches.push([...items]);
      await sleep(options.workMs ?? 5);
      return items.map((x) => (x < 0 ? new Error(`negative ${x}`) : 2 * x));
    },
  });
  return { batcher, batches };
}

test('concurrent submissions share batches of at most maxBatch, results in order', async () => {
  const { batcher, batches } = doubler({ maxBatch: 4, maxWaitMs: 50 });
  const inputs = Array.from({ length: 10 }, (_, i) => i + 1);
  const out = await Promise.all(inputs.map((x) => batcher.submit(x)));
  assert.deepEqual(
    out,
    inputs.map((x) => 2 * x),
  );
  assert.deepEqual(batches.flat(), inputs, 'every item once, in submission order');
  assert.ok(batches.every((b) => b.length <= 4));
  assert.equal(batches[0].length, 4, 'a full batch starts without waiting');
  assert.ok(batches.length <= 4);
});

test('a lone request waits at most about maxWaitMs', async () => {
  const { batcher, batches } = doubler({ maxBatch: 8, maxWaitMs: 40, workMs: 0 });
  const start = performance.now();
  assert.equal(await batcher.submit(3), 6);
  const took = performance.now() - start;
  assert.ok(took >= 35, `started before the wait ran out (${took.toFixed(1)} ms)`);
  assert.ok(took < 400, `waited far past maxWaitMs (${took.toFixed(1)} ms)`);
  assert.deepEqual(batches, [[3]]);
});

test('items that arrive while a batch runs form the next batch', async () => {
  const { batcher, batches } = doubler({ maxBatch: 8, maxWaitMs: 0, workMs: 30 });
  const first = batcher.submit(1); // with no wait, its batch starts at once (synchronously)
  const rest = [2, 3, 4].map((x) => batcher.submit(x));
  assert.equal(batcher.depth(), 3);
  assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6, 8]);
  assert.deepEqual(batches, [[1], [2, 3, 4]]);
});

test('a failing item fails only its own request', async () => {
  const { batcher } = doubler({ maxBatch: 4, maxWaitMs: 10 });
  const results = await Promise.allSettled([1, -2, 3].map((x) => batcher.submit(x)));
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /negative -2/);
  assert.equal((results[2] as PromiseFulfilledResult<number>).value, 6);
});

test('a batch whose work throws fails its items, and the next batch still runs', async () => {
  let calls = 0;
  const batcher = createBatcher<number, number>({
    maxBatch: 2,
    maxWaitMs: 0,
    queueLimit: 10,
    async run(items) {
      if (calls++ === 0) throw new Error('engine failure');
      return items;
    },
  });
  await assert.rejects(batcher.submit(1), /engine failure/);
  assert.equal(await batcher.submit(7), 7);
});

test('beyond queueLimit waiting items, submissions are refused', async () => {
  const { batcher } = doubler({ maxBatch: 1, maxWaitMs: 0, queueLimit: 2, workMs: 20 });
  const running = batcher.submit(1);
  const waiting = [batcher.submit(2), batcher.submit(3)];
  await assert.rejects(batcher.submit(4), QueueFullError);
  assert.deepEqual(await Promise.all([running, ...waiting]), [2, 4, 6]);
});

test('an aborted item leaves the queue and is never run', async () => {
  const { batcher, batches } = doubler({ maxBatch: 4, maxWaitMs: 30 });
  const controller = new AbortController();
  const gone = batcher.submit(5, controller.signal);
  const kept = batcher.submit(6);
  controller.abort(new Error('timed out'));
  await assert.rejects(gone, /timed out/);
  assert.equal(await kept, 12);
  assert.deepEqual(batches, [[6]]);
});

test('close() refuses new items and resolves only after every submitted item is answered', async () => {
  // A wait long enough that item 1 cannot start alone before item 2 fills its batch.
  const { batcher, batches } = doubler({ maxBatch: 2, maxWaitMs: 100, workMs: 20 });
  const answered: number[] = [];
  const submitted = [1, 2, 3, 4, 5].map((x) =>
    batcher.submit(x).then((y) => {
      answered.push(y);
      return y;
    }),
  );
  // [1, 2] started at once (a full batch); 3, 4 and 5 wait.
  assert.equal(batcher.depth(), 3);
  const closing = batcher.close().then(() => [...answered]);
  await assert.rejects(batcher.submit(6), BatcherClosedError);
  assert.deepEqual(await closing, [2, 4, 6, 8, 10], 'closed only after all five were answered');
  assert.deepEqual(await Promise.all(submitted), [2, 4, 6, 8, 10]);
  assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5], 'the refused item never ran');
  await batcher.close(); // closing an idle, closed batcher resolves at once
});
