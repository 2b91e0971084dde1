// Registration is wasm-only and idempotent, and the composed kernels leave no tensors or
// backend buffers behind (they hand their result's reference to the engine).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { addedWasmKernels, registerWasmTrainingKernels, replacedWasmKernels } from './index.js';
import { useBackend } from './testing.js';

test('registers every kernel for wasm only, and twice is harmless', async () => {
  const cpuBefore = tf.getKernelsForBackend('cpu').length;
  await useBackend('wasm');
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  for (const config of [...addedWasmKernels, ...replacedWasmKernels]) {
    assert.equal(config.backendName, 'wasm');
    assert.equal(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc, config.kernelFunc);
  }
  assert.deepEqual(addedWasmKernels.map((k) => k.kernelName).sort(), [
    'Conv2DBackpropFilter',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
    'UnsortedSegmentSum',
  ]);
  assert.equal(tf.getKernelsForBackend('cpu').length, cpuBefore);
});

test('training a step leaks no tensors or wasm buffers', async () => {
  await useBackend('wasm');
  const backend = tf.backend();
  const x = tf.randomUniform([2, 9, 8, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomUniform([3, 3, 3, 4], -1, 1, 'float32', 2) as tf.Tensor4D;
  const d = tf.randomUniform([3, 3, 4, 2], -1, 1, 'float32', 3) as tf.Tensor4D;
  const table = tf.randomUniform([10, 5], -1, 1, 'float32', 4);
  const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, t: tf.Tensor) => {
    const h = tf.fused.conv2d({
      x: a as tf.Tensor4D,
      filter: b as tf.Tensor4D,
      strides: 2,
      pad: 'same',
      activation: 'relu',
    });
    const k = tf.maxPool(tf.depthwiseConv2d(h, c as tf.Tensor4D, 1, 'same'), 2, 2, 'valid');
    return tf.add(tf.sum(k), tf.sum(tf.gather(t, tf.tensor1d([1, 1, 7], 'int32'))));
  };
  const run = () => {
    tf.dispose(tf.grads(loss)([x, f, d, table]));
  };
  run(); // warm-up: lets any lazily created backend state settle
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = backend.numDataIds();
  run();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(backend.numDataIds(), idsBefore);
  for (const t of [x, f, d, table]) t.dispose();
});
