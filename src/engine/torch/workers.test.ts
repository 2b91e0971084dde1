// The native engine in worker_threads: each Node environment has its own handle table (addon.cc
// keeps it in per-environment instance data), so two workers using torch at once neither see nor
// disturb each other's tensors. Skipped, saying why, where the native engine is not built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { skip, status } from './test-support.js';
import type { WorkerReport } from './worker-fixture.js';

function runWorker(seed: number, hold: number, barrier: Int32Array): Promise<WorkerReport> {
  // The fixture is TypeScript, as the tests: the worker registers tsx, then imports it.
  const fixture = new URL('./worker-fixture.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(fixture)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { seed, hold, barrier } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${seed} exited with ${code}`)));
  });
}

test('two workers use the torch engine at once, each with its own handle table', {
  skip,
}, async () => {
  assert.ok(status.ok);
  const mainTensors = status.addon.stats().tensors;
  const barrier = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const [a, b] = await Promise.all([runWorker(1, 3, barrier), runWorker(2, 5, barrier)]);
  // Each table grew by its own worker's tensors only, though both were alive at once.
  assert.equal(a.tableGrowth, 3);
  assert.equal(b.tableGrowth, 5);
  for (const r of [a, b]) {
    assert.ok(r.heldIntact);
    assert.ok(r.maxError < 1e-4, `max |torch - float64| ${r.maxError}`);
  }
  assert.equal(status.addon.stats().tensors, mainTensors, 'the main thread table is untouched');
});
