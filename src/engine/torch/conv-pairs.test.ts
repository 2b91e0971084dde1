// The paired conv gradients of conv-pairs.ts against the cpu backend: both gradients, the input
// gradient alone (deferred, then computed on first use), the filter gradient alone, across plain,
// depthwise, fused and grouped convs with 'same'/'valid'/explicit pads, strides 1/2 and dilation;
// that the pair really is one addon call; and that a deferred gradient disposed unread leaks
// nothing, native or tfjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { composedConv2d } from '../../backbones/onnx/layers.js';
import { nativeGroupedConv2d } from '../grouped-conv.js';
import type { TorchAddon } from './addon.js';
import { agree, F, skip, status } from './test-support.js';

type Conv = (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

interface Case {
  label: string;
  x: number[];
  w: number[];
  conv: Conv;
}

const plain =
  (strides: number, pad: 'same' | 'valid', dilation = 1): Conv =>
  (x, w) =>
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, 'NHWC', dilation);
const depthwise =
  (strides: number, pad: 'same' | 'valid', dilation = 1): Conv =>
  (x, w) =>
    tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, 'NHWC', dilation);
// The fused conv's gradient is tfjs's custom gradient, not Conv2D's registered one.
const fused =
  (strides: number, pad: 'same' | 'valid'): Conv =>
  (x, w) =>
    tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad });
// Dilated convs: tfjs's own Conv2D / depthwise gradients refuse dilation > 1; the grouped conv's
// gradient (grouped-conv.ts) goes through the same paired kernels and takes it.
const grouped =
  (
    groups: number,
    stride: number,
    dilation: number,
    pads: [number, number, number, number],
  ): Conv =>
  (x, w) => {
    const strides: [number, number] = [stride, stride];
    const dilations: [number, number] = [dilation, dilation];
    const native = nativeGroupedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, {
      groups,
      strides,
      dilations,
      pads,
    });
    if (native) return native;
    // The cpu reference: the stock-op composition after explicit padding.
    const [top, bottom, left, right] = pads;
    const padded = tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]) as tf.Tensor4D;
    return composedConv2d(padded, w as tf.Tensor4D, groups, strides, dilations);
  };

const CASES: Case[] = [
  { label: 'conv same stride 1', x: [2, 7, 7, 3], w: [3, 3, 3, 4], conv: plain(1, 'same') },
  { label: 'conv same stride 2 even size (asymmetric pads)', x: [2, 8, 8, 3], w: [3, 3, 3, 5], conv: plain(2, 'same') },
  { label: 'conv valid stride 2', x: [2, 9, 8, 4], w: [3, 3, 4, 2], conv: plain(2, 'valid') },
  { label: 'conv 1x1', x: [2, 5, 5, 6], w: [1, 1, 6, 3], conv: plain(1, 'valid') },
  { label: 'depthwise same stride 1', x: [2, 7, 7, 3], w: [3, 3, 3, 1], conv: depthwise(1, 'same') },
  { label: 'depthwise same stride 2 even size', x: [2, 8, 8, 4], w: [3, 3, 4, 2], conv: depthwise(2, 'same') },
  { label: 'depthwise valid stride 2', x: [2, 9, 9, 3], w: [3, 3, 3, 1], conv: depthwise(2, 'valid') },
  { label: 'fused conv same stride 2', x: [2, 8, 8, 3], w: [3, 3, 3, 4], conv: fused(2, 'same') },
  { label: 'fused conv valid stride 1', x: [2, 6, 7, 3], w: [3, 3, 3, 4], conv: fused(1, 'valid') },
  { label: 'grouped conv stride 2, asymmetric pads', x: [2, 8, 7, 4], w: [3, 3, 2, 6], conv: grouped(2, 2, 1, [1, 0, 0, 1]) },
  { label: 'grouped conv dilation 2, asymmetric pads', x: [1, 9, 8, 6], w: [3, 3, 2, 6], conv: grouped(3, 1, 2, [2, 1, 2, 3]) },
  { label: 'plain conv as one group, dilation 2', x: [1, 9, 9, 3], w: [3, 3, 3, 4], conv: grouped(1, 1, 2, [2, 2, 2, 2]) },
  { label: 'depthwise as groups = C, stride 2, dilation 2', x: [2, 10, 9, 4], w: [3, 3, 1, 4], conv: grouped(4, 2, 2, [2, 1, 2, 2]) },
]; // biome-ignore format: one table

/** A random projection of the output: sum(y) alone is too symmetric to catch a misplaced value. */
const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 7)));

test('paired conv gradients match cpu: both, input alone, filter alone', { skip }, () => {
  for (const k of CASES) {
    const specs = [F(k.x), F(k.w, -0.5, 0.5)];
    agree(`${k.label}: both gradients`, specs, (x, w) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(k.conv(a, b)))([x!, w!]),
    );
    agree(`${k.label}: input gradient alone`, specs, (x, w) =>
      tf.grad((a: tf.Tensor) => loss(k.conv(a, w!)))(x!),
    );
    agree(`${k.label}: filter gradient alone`, specs, (x, w) =>
      tf.grad((b: tf.Tensor) => loss(k.conv(x!, b)))(w!),
    );
    // Two convs in a row: the first one's dy is the second one's deferred input gradient.
    agree(`${k.label}: through a second conv`, [...specs, F([1, 1, 16, 3])], (x, w, v) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const y = k.conv(a, b);
        const c = y.shape[3]!;
        return loss(
          tf.conv2d(
            y as tf.Tensor4D,
            v!.slice([0, 0, 0, 0], [1, 1, c, 3]) as tf.Tensor4D,
            1,
            'same',
          ),
        );
      })([x!, w!]),
    );
  }
});

test('both gradients of a conv are one addon call; a deferred gradient disposed unread leaks nothing', {
  skip,
}, async () => {
  const addon = (status.ok ? status.addon : undefined) as TorchAddon;
  assert.ok(addon.conv2dBackward, 'the addon has conv2dBackward (rebuild: npm run build:native)');
  await tf.setBackend('torch');
  const calls = { pair: 0, single: 0 };
  const { conv2dBackward, conv2dBackprop } = addon;
  const mutable = addon as { -readonly [K in keyof TorchAddon]: TorchAddon[K] };
  mutable.conv2dBackward = (...args) => {
    calls.pair++;
    return conv2dBackward!(...args);
  };
  mutable.conv2dBackprop = (...args) => {
    calls.single++;
    return conv2dBackprop(...args);
  };
  try {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
    for (const conv of [plain(2, 'same'), fused(1, 'same')]) {
      calls.pair = 0;
      calls.single = 0;
      tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(conv(a, b)))([x, w]));
      assert.deepEqual(calls, { pair: 1, single: 0 }, 'both gradients from one call');
    }
    calls.pair = 0;
    calls.single = 0;
    const alone = tf.grad((a: tf.Tensor) => loss(plain(1, 'same')(a, w)))(x);
    assert.equal(calls.single, 0, 'deferred until read');
    alone.dataSync();
    alone.dispose();
    assert.deepEqual(calls, { pair: 0, single: 1 }, 'the input gradient alone, computed on use');

    // A deferred input gradient disposed before anything reads it.
    const before = { tfjs: tf.memory().numTensors, native: addon.stats().tensors };
    const dy = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 3);
    const dx = tf.engine().runKernel(
      'Conv2DBackpropInput',
      { dy, filter: w },
      {
        inputShape: x.shape,
        strides: 2,
        pad: 'same',
        dataFormat: 'NHWC',
      },
    ) as tf.Tensor;
    dy.dispose();
    dx.dispose();
    assert.deepEqual(
      { tfjs: tf.memory().numTensors, native: addon.stats().tensors },
      before,
      'nothing left behind',
    );
    tf.dispose([x, w]);
  } finally {
    mutable.conv2dBackward = conv2dBackward;
    mutable.conv2dBackprop = conv2dBackprop;
  }
});
