import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { AUTO_ORDER } from './backends.js';
import { initEngine, probeBackends } from './index.js';

test('an unknown backend from the environment is a usage error naming the variable', async () => {
  process.env.VISIONTUNE_BACKEND = 'gpu-please';
  try {
    await assert.rejects(initEngine(), (err: unknown) => {
      assert.ok(err instanceof VisiontuneError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /VISIONTUNE_BACKEND: unknown backend 'gpu-please'/);
      return true;
    });
  } finally {
    delete process.env.VISIONTUNE_BACKEND;
  }
});

test('a named backend that is not installed is refused with the command that enables it', async () => {
  const tfjsNode = probeBackends().find((b) => b.name === 'tensorflow')!;
  if (tfjsNode.available) return; // this machine has tfjs-node; nothing to refuse
  await assert.rejects(initEngine({ backend: 'tensorflow' }), /npm install @tensorflow\/tfjs-node/);
});

test('auto prefers the fastest available backend and says why', async () => {
  const info = await initEngine({ backend: 'auto' });
  const probed = probeBackends();
  const firstAvailable = AUTO_ORDER.find((n) => probed.find((b) => b.name === n)?.available);
  assert.equal(info.backend, firstAvailable);
  assert.equal(tf.getBackend(), firstAvailable);
  assert.match(info.reason, /^auto: /);
  // A conv net's gradient must be computable on whatever auto picked.
  const x = tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2);
  const g = tf.grad((f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same').sum())(w);
  assert.deepEqual(g.shape, [3, 3, 2, 4]);
});

test('an explicit backend is used as named', async () => {
  const info = await initEngine({ backend: 'cpu' });
  assert.equal(info.backend, 'cpu');
  assert.equal(info.reason, 'requested by --backend');
  assert.equal(tf.getBackend(), 'cpu');
});
