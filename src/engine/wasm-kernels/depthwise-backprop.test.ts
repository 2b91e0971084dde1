// depthwiseConv2d gradients (input and filter; channel multiplier 1 and 2; plain, fused with
// bias + relu, and inside separableConv2d) on wasm match cpu. Dilated kernels, which tfjs's
// gradients never request, are checked on wasm alone by the adjoint identity
// <dy, conv(x, f)> = <dx, x> = <df, f>.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gradientsOn, randomInputs, relativeError, useBackend, WorstError } from './testing.js';

const TOL = 1e-4;
const worst = new WorstError();
after(() => console.log(`depthwise: ${worst}`));

interface Case {
  batch: number;
  size: [number, number];
  kernel: number;
  stride: number;
  pad: 'same' | 'valid';
  mult: number;
}

const cases: Case[] = [];
for (const batch of [1, 2]) {
  for (const size of [
    [7, 6],
    [6, 5],
  ] as [number, number][]) {
    for (const kernel of [1, 3, 5]) {
      for (const stride of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          for (const mult of [1, 2]) cases.push({ batch, size, kernel, stride, pad, mult });
        }
      }
    }
  }
}

const name = (c: Case) =>
  `n${c.batch} ${c.size.join('x')} k${c.kernel} s${c.stride} ${c.pad} m${c.mult}`;
const inC = 3;

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
  assert.equal(wasm.grads.length, shapes.length);
  cpu.grads.forEach((expected, k) => {
    const err = worst.record(relativeError(wasm.grads[k]!, expected), `${label} grad ${k}`);
    assert.ok(err < TOL, `${label}: gradient ${k} relative error ${err}`);
  });
}

cases.forEach((c, index) => {
  const xShape = [c.batch, c.size[0], c.size[1], inC];
  const fShape = [c.kernel, c.kernel, inC, c.mult];
  test(`depthwiseConv2d grads ${name(c)}`, async () => {
    await compare(
      `depthwise ${name(c)}`,
      [xShape, fShape],
      ([x, f]) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
      300 + index,
    );
  });
  if (index % 3 === 0) {
    test(`fused depthwiseConv2d (bias, relu) grads ${name(c)}`, async () => {
      await compare(
        `fused depthwise ${name(c)}`,
        [xShape, fShape, [inC * c.mult]],
        ([x, f, b]) =>
          tf.fused.depthwiseConv2d({
            x: x as tf.Tensor4D,
            filter: f as tf.Tensor4D,
            bias: b,
            strides: c.stride,
            pad: c.pad,
            activation: 'relu',
          }),
        700 + index,
      );
    });
  }
  if (index % 4 === 1) {
    test(`separableConv2d grads ${name(c)}`, async () => {
      await compare(
        `separable ${name(c)}`,
        [xShape, fShape, [1, 1, inC * c.mult, 5]],
        ([x, d, p]) =>
          tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, c.stride, c.pad),
        900 + index,
      );
    });
  }
});

function dot(a: tf.Tensor, b: tf.Tensor): { value: number; scale: number } {
  return {
    value: tf.sum(tf.mul(a, b)).dataSync()[0]!,
    scale: tf.sum(tf.abs(tf.mul(a, b))).dataSync()[0]!,
  };
}

for (const [pad, mult] of [
  ['same', 1],
  ['valid', 2],
  ['same', 2],
] as const) {
  test(`dilated depthwise backprop kernels satisfy the adjoint identity (${pad}, m${mult})`, async () => {
    await useBackend('wasm');
    tf.tidy(() => {
      const [xs, fs] = randomInputs(
        [
          [2, 9, 8, inC],
          [3, 3, inC, mult],
        ],
        41 + mult,
      );
      const x = tf.tensor4d(xs!.values, xs!.shape as [number, number, number, number]);
      const f = tf.tensor4d(fs!.values, fs!.shape as [number, number, number, number]);
      const y = tf.depthwiseConv2d(x, f, 1, pad, 'NHWC', 2);
      const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 5);
      const common = { strides: 1, dilations: 2, pad };
      const dx = tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy, filter: f },
          { ...common, inputShape: x.shape },
        ) as tf.Tensor;
      const df = tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x, dy },
          { ...common, filterShape: f.shape },
        ) as tf.Tensor;
      assert.deepEqual(dx.shape, x.shape);
      assert.deepEqual(df.shape, f.shape);
      const ref = dot(dy, y);
      for (const [label, got] of [
        ['input', dot(dx, x)],
        ['filter', dot(df, f)],
      ] as const) {
        const err = worst.record(
          Math.abs(got.value - ref.value) / ref.scale,
          `dilated ${pad} m${mult} ${label}`,
        );
        assert.ok(err < TOL, `${label} adjoint mismatch: ${got.value} vs ${ref.value}`);
      }
    });
  });
}
