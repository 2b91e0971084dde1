// The torch backend's grouped conv kernel (one libtorch call with a group count) against the
// stock-op composition the cpu backend runs (groupedConv2d / atrousConv2d after tf.pad), on random
// inputs: forward and input + filter gradients over groups, strides, dilations and asymmetric
// pads; and an imported grouped / dilated ONNX Conv predicts and trains alike on torch and cpu.
// Skipped, saying why, where the native engine is not built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { composedConv2d, DEPTHWISE_SUM_MAX_GROUP_WIDTH } from '../../backbones/onnx/layers.js';
import {
  convertBytes,
  normals,
  singleNodeModel,
  weightGradients,
} from '../../backbones/onnx/test-graph.js';
import { GROUPED_CONV2D, type GroupedConvAttrs, nativeGroupedConv2d } from '../grouped-conv.js';
import { agree, F, skip, status } from './test-support.js';

interface Case extends GroupedConvAttrs {
  label: string;
  c: number;
  o: number;
  size: [number, number];
  kernel: [number, number];
}

const wide = DEPTHWISE_SUM_MAX_GROUP_WIDTH + 1;
const CASES: Case[] = [
  { label: '2 groups', c: 4, o: 6, size: [7, 6], kernel: [3, 3], groups: 2, strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] },
  { label: '4 groups, stride 2, asymmetric pads', c: 8, o: 8, size: [8, 7], kernel: [3, 3], groups: 4, strides: [2, 2], dilations: [1, 1], pads: [1, 0, 0, 1] },
  { label: 'wide groups (one conv per group on cpu)', c: 2 * wide, o: 4, size: [5, 5], kernel: [3, 3], groups: 2, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] },
  { label: '3 groups, dilation 2, asymmetric pads', c: 6, o: 9, size: [9, 8], kernel: [3, 3], groups: 3, strides: [1, 1], dilations: [2, 2], pads: [2, 1, 2, 3] },
  { label: '2 groups, stride 2, dilation 2, 2×3 kernel', c: 4, o: 4, size: [11, 10], kernel: [2, 3], groups: 2, strides: [2, 2], dilations: [2, 2], pads: [2, 1, 2, 2] },
  { label: 'depthwise (groups = C), dilation 3 × 2', c: 4, o: 8, size: [9, 9], kernel: [3, 3], groups: 4, strides: [1, 1], dilations: [3, 2], pads: [1, 3, 2, 0] },
  { label: 'one group, dilation 3', c: 3, o: 5, size: [10, 11], kernel: [3, 3], groups: 1, strides: [1, 1], dilations: [3, 3], pads: [3, 3, 3, 3] },
]; // biome-ignore format: one table

/** The grouped kernel where the backend has it, else the composition after explicit padding. */
function conv(x: tf.Tensor, w: tf.Tensor, a: GroupedConvAttrs): tf.Tensor4D {
  const native = nativeGroupedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, a);
  if (native) return native;
  const [top, bottom, left, right] = a.pads;
  const padded = tf.pad(x, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]) as tf.Tensor4D;
  return composedConv2d(padded, w as tf.Tensor4D, a.groups, a.strides, a.dilations);
}

const specsOf = (k: Case) => [
  F([2, ...k.size, k.c]),
  F([...k.kernel, k.c / k.groups, k.o], -0.5, 0.5),
];

/** Kernel names `f` runs: proves which path (native kernel or composition) ran. */
async function kernelsRun(f: () => tf.Tensor | tf.Tensor[]): Promise<Set<string>> {
  const info = await tf.profile(() => f() as tf.TensorContainer);
  return new Set(info.kernels.map((k) => k.name));
}

test('grouped conv kernel matches the cpu composition, forward and gradients', {
  skip,
}, async () => {
  for (const k of CASES) {
    agree(`${k.label}: forward`, specsOf(k), (x, w) => conv(x!, w!, k));
    // Gradients of a random projection of the output (sum(y) alone is too symmetric).
    agree(`${k.label}: input and filter gradients`, specsOf(k), (x, w) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const y = conv(a, b, k);
        return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 3)));
      })([x!, w!]),
    );
  }
  const k = CASES[1]!;
  await tf.setBackend('torch');
  const ran = await kernelsRun(() =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv(a, b, k)))([
      tf.ones([1, ...k.size, k.c]),
      tf.ones([...k.kernel, k.c / k.groups, k.o]),
    ]),
  );
  for (const name of [
    GROUPED_CONV2D,
    `${GROUPED_CONV2D}BackpropInput`,
    `${GROUPED_CONV2D}BackpropFilter`,
  ])
    assert.ok(ran.has(name), `${name} ran on torch (ran: ${[...ran].join(', ')})`);
  assert.ok(!ran.has('DepthwiseConv2dNative'), 'no composition on torch');
});

test('the addon refuses a group count that does not divide the channels', { skip }, () => {
  const addon = status.ok ? status.addon : undefined!;
  const x = addon.create(new Float32Array(4 * 4 * 4), [1, 4, 4, 4], 'float32');
  const w = addon.create(new Float32Array(9 * 2 * 3), [3, 3, 2, 3], 'float32');
  assert.throws(() => addon.conv2d(x, w, [1, 1], [0, 0, 0, 0], [1, 1], 3), /groups must divide/);
  addon.free(x);
  addon.free(w);
});

test('an imported grouped or dilated ONNX Conv predicts and trains alike on torch and cpu', {
  skip,
}, async () => {
  for (const k of [CASES[1]!, CASES[4]!]) {
    const [h, w] = k.size;
    const kdims = [k.o, k.c / k.groups, ...k.kernel];
    const bytes = singleNodeModel(
      'Conv',
      [1, k.c, h, w],
      // ONNX pads: top, left, bottom, right.
      {
        group: k.groups,
        strides: k.strides,
        dilations: k.dilations,
        pads: [k.pads[0], k.pads[2], k.pads[1], k.pads[3]],
      },
      [
        {
          name: 'w',
          dims: kdims,
          values: normals(
            kdims.reduce((a, b) => a * b),
            1,
          ),
        },
        { name: 'b', dims: [k.o], values: normals(k.o, 2) },
      ],
    );
    // Each backend converts its own model: the torch backend holds only the tensors made on it.
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const model = convertBytes(bytes);
      const input = tf.tensor4d(normals(2 * h * w * k.c, 3), [2, h, w, k.c]);
      const y = Array.from((model.predict(input) as tf.Tensor).dataSync());
      const kernels = await kernelsRun(() => model.predict(input) as tf.Tensor);
      const grads = Object.values(weightGradients(model, [2, h, w, k.c]));
      tf.dispose(input);
      model.dispose();
      return { outputs: [y, ...grads], kernels };
    };
    const want = await run('cpu');
    const got = await run('torch');
    assert.ok(got.kernels.has(GROUPED_CONV2D), `${k.label}: the grouped kernel ran on torch`);
    assert.equal(got.outputs.length, 3, 'output, kernel and bias gradients');
    want.outputs.forEach((values, j) => {
      const scale = Math.max(1, ...values.map(Math.abs));
      const worst = Math.max(...values.map((v, i) => Math.abs(v - got.outputs[j]![i]!)));
      assert.ok(worst / scale < 1e-4, `${k.label}: output ${j} error ${worst / scale}`);
    });
  }
});
