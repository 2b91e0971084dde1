// libtorch's default thread count: OMP_NUM_THREADS when it names a positive count, else every
// core. (Before, the engine always asked for every core, overriding OMP_NUM_THREADS=1 that
// side-by-side benchmark processes set.) Pure: runs without libtorch installed.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { defaultTorchThreads } from './index.js';

test('OMP_NUM_THREADS sets the default; unset or invalid falls back to every core', () => {
  const cores = os.availableParallelism();
  assert.equal(defaultTorchThreads({ OMP_NUM_THREADS: '1' }), 1);
  assert.equal(defaultTorchThreads({ OMP_NUM_THREADS: '3' }), 3);
  for (const bad of [undefined, '', '0', '-2', '1.5', 'four']) {
    assert.equal(defaultTorchThreads({ OMP_NUM_THREADS: bad }), cores, `OMP_NUM_THREADS=${bad}`);
  }
});
