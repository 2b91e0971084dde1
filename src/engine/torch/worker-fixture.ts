// Test fixture (not a test): runs in a worker_thread of workers.test.ts. Loads the torch engine
// in its own Node environment, holds a few tensors, meets the other worker at two barriers so
// both tables are populated at once, then multiplies seeded matrices on torch against a float64
// loop while the other worker does the same, and posts what it saw.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { loadTorchAddon } from './addon.js';
import { registerTorchBackend, TORCH_BACKEND } from './index.js';

export interface WorkerReport {
  /** Handles alive in this environment's table after creating `hold` tensors, minus before. */
  tableGrowth: number;
  /** Largest |torch - float64| over every matmul. */
  maxError: number;
  /** The held tensors read back with the values this worker wrote. */
  heldIntact: boolean;
}

const { seed, hold, barrier } = workerData as { seed: number; hold: number; barrier: Int32Array };

/** Waits until both workers have arrived at barrier slot `slot`. */
function meet(slot: number) {
  Atomics.add(barrier, slot, 1);
  Atomics.notify(barrier, slot);
  while (Atomics.load(barrier, slot) < 2) Atomics.wait(barrier, slot, Atomics.load(barrier, slot));
}

function matmul64(a: Float32Array, b: Float32Array, n: number, k: number, m: number) {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * m + j]!;
      out[i * m + j] = sum;
    }
  return out;
}

registerTorchBackend();
await tf.setBackend(TORCH_BACKEND);
const status = loadTorchAddon();
if (!status.ok) throw new Error(status.reason);
const { addon } = status;

const before = addon.stats().tensors;
meet(0);
const held = Array.from({ length: hold }, (_, i) => tf.fill([4, 4], seed * 100 + i));
meet(1);
const tableGrowth = addon.stats().tensors - before;

const rng = new Rng(seed);
let maxError = 0;
for (let round = 0; round < 40; round++) {
  const [n, k, m] = [3 + rng.int(20), 3 + rng.int(20), 3 + rng.int(20)];
  const a = Float32Array.from({ length: n * k }, () => rng.next() * 2 - 1);
  const b = Float32Array.from({ length: k * m }, () => rng.next() * 2 - 1);
  const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, k]), tf.tensor2d(b, [k, m])).dataSync());
  const want = matmul64(a, b, n, k, m);
  for (const [i, v] of want.entries()) maxError = Math.max(maxError, Math.abs(v - got[i]!));
}
const heldIntact = held.every((t, i) => t.dataSync().every((v) => v === seed * 100 + i));
tf.dispose(held);
parentPort!.postMessage({ tableGrowth, maxError, heldIntact } satisfies WorkerReport);
