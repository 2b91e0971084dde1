// conv2d gradients (input and filter; plain and fused with bias + relu) on wasm match cpu.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gradientsOn, kernelOn, randomInputs, relativeError, WorstError } from './testing.js';

const TOL = 1e-4;
const worst = new WorstError();
after(() => console.log(`conv2d: ${worst}`));

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  batch: number;
  size: [number, number];
  kernel: number;
  stride: number;
  pad: Pad;
}

const cases: Case[] = [];
for (const batch of [1, 2]) {
  for (const size of [
    [7, 6],
    [6, 5],
  ] as [number, number][]) {
    for (const kernel of [1, 3, 5]) {
      for (const stride of [1, 2]) {
        for (const pad of ['same', 'valid'] as Pad[])
          cases.push({ batch, size, kernel, stride, pad });
      }
    }
  }
}
// Explicit (asymmetric) padding, as Keras-converted models sometimes carry.
cases.push({
  batch: 2,
  size: [6, 7],
  kernel: 3,
  stride: 2,
  pad: [
    [0, 0],
    [1, 2],
    [2, 0],
    [0, 0],
  ],
});
cases.push({
  batch: 1,
  size: [5, 5],
  kernel: 3,
  stride: 1,
  pad: [
    [0, 0],
    [0, 1],
    [1, 1],
    [0, 0],
  ],
});

const name = (c: Case) =>
  `n${c.batch} ${c.size.join('x')} k${c.kernel} s${c.stride} ${typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad)}`;

const inC = 3;
const outC = 4;

async function compare(
  label: string,
  shapes: number[][],
  f: (xs: tf.Tensor[]) => tf.Tensor,
  seed: number,
) {
  const inputs = randomInputs(shapes, seed);
  const cpu = await gradientsOn('cpu', inputs, f, seed);
  const wasm = await gradientsOn('wasm', inputs, f, seed);
  assert.ok(relativeError(wasm.output, cpu.output) < TOL, `${label}: forward differs`);
  cpu.grads.forEach((expected, k) => {
    const err = worst.record(relativeError(wasm.grads[k]!, expected), `${label} grad ${k}`);
    assert.ok(err < TOL, `${label}: gradient ${k} relative error ${err}`);
  });
}

cases.forEach((c, index) => {
  const xShape = [c.batch, c.size[0], c.size[1], inC];
  const fShape = [c.kernel, c.kernel, inC, outC];
  test(`conv2d grads ${name(c)}`, async () => {
    await compare(
      `conv2d ${name(c)}`,
      [xShape, fShape],
      ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
      100 + index,
    );
  });
  // Layers run Conv2D through the fused op; its backward applies relu's mask and sums bias.
  if (index % 3 === 0) {
    test(`fused conv2d (bias, relu) grads ${name(c)}`, async () => {
      await compare(
        `fused conv2d ${name(c)}`,
        [xShape, fShape, [outC]],
        ([x, f, b]) =>
          tf.fused.conv2d({
            x: x as tf.Tensor4D,
            filter: f as tf.Tensor4D,
            bias: b,
            strides: c.stride,
            pad: c.pad,
            activation: 'relu',
          }),
        500 + index,
      );
    });
  }
});

test('Conv2DBackpropFilter with NCHW inputs matches cpu', async () => {
  for (const [stride, pad] of [
    [1, 'same'],
    [2, 'valid'],
  ] as const) {
    const x = randomInputs([[2, inC, 7, 6]], 7 + stride)[0]!;
    const outShape = tf.backend_util.computeConv2DInfo(
      [2, inC, 7, 6],
      [3, 3, inC, outC],
      stride,
      1,
      pad,
      undefined,
      false,
      'channelsFirst',
    ).outShape;
    const dy = randomInputs([outShape], 11 + stride)[0]!;
    const attrs = { strides: stride, pad, dataFormat: 'NCHW', filterShape: [3, 3, inC, outC] };
    const expected = await kernelOn('cpu', tf.Conv2DBackpropFilter, { x, dy }, attrs);
    const actual = await kernelOn('wasm', tf.Conv2DBackpropFilter, { x, dy }, attrs);
    const err = worst.record(relativeError(actual, expected), `NCHW s${stride} ${pad}`);
    assert.ok(err < TOL, `NCHW stride ${stride} ${pad}: relative error ${err}`);
  }
});
