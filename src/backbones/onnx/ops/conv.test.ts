// Conv and ConvTranspose converters on hand-built ONNX nodes beyond the grouped, dilated and
// ConvTranspose tests beside convert.ts: a whole conv (tfjs conv2d) and a depthwise one (tfjs
// depthwiseConv2d, channel multiplier 2) against a float64 loop, auto_pad SAME_* with its
// asymmetric pads computed by hand, for both; mismatched groups and output_shape refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  assertOutput,
  convertBytes,
  type Initializer,
  normals,
  predictNchw,
  singleNodeModel,
  type TestAttribute,
} from '../test-graph.js';

interface Conv {
  dims: number[]; // input NCHW
  kernel: number[]; // [O, C/group, kh, kw]
  group: number;
  stride: [number, number];
  pads: number[]; // [top, left, bottom, right]
}

/** PyTorch's / ONNX's grouped conv of NCHW `x` in float64. */
function convolve(x: number[], k: number[], bias: number[] | undefined, t: Conv) {
  const [n, c, h, w] = t.dims;
  const [o, perIn, kh, kw] = t.kernel;
  const [[sh, sw], [top, left, bottom, right]] = [t.stride, t.pads];
  const [oh, ow] = [
    Math.floor((h + top + bottom - kh) / sh) + 1,
    Math.floor((w + left + right - kw) / sw) + 1,
  ];
  const y: number[] = [];
  for (let b = 0; b < n; b++)
    for (let f = 0; f < o; f++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          const firstIn = Math.floor(f / (o / t.group)) * perIn;
          let acc = bias?.[f] ?? 0;
          for (let ci = 0; ci < perIn; ci++)
            for (let a = 0; a < kh; a++)
              for (let q = 0; q < kw; q++) {
                const [row, col] = [i * sh - top + a, j * sw - left + q];
                if (row < 0 || col < 0 || row >= h || col >= w) continue;
                const input = x[((b * c + firstIn + ci) * h + row) * w + col];
                acc += input * k[((f * perIn + ci) * kh + a) * kw + q];
              }
          y.push(acc);
        }
  return { y, shape: [n, o, oh, ow] };
}

/** A Conv node for `t` with random weights (and bias), and its float64 output on random x. */
function convCase(t: Conv, attrs: Record<string, TestAttribute>, withBias: boolean, seed: number) {
  const x = normals(
    t.dims.reduce((a, b) => a * b),
    seed,
  );
  const kernel = normals(
    t.kernel.reduce((a, b) => a * b),
    seed + 1,
  );
  const bias = withBias ? normals(t.kernel[0], seed + 2) : undefined;
  const initializers: Initializer[] = [{ name: 'w', dims: t.kernel, values: kernel }];
  if (bias) initializers.push({ name: 'b', dims: [t.kernel[0]], values: bias });
  const bytes = singleNodeModel(
    'Conv',
    t.dims,
    { group: t.group, strides: t.stride, ...attrs },
    initializers,
  );
  return { bytes, x, want: convolve(x, kernel, bias, t) };
}

test('Conv as a whole conv2d and as a depthwise conv matches a float64 loop', async () => {
  await tf.setBackend('cpu');
  const cases: [string, Conv, boolean][] = [
    [
      'Conv2D',
      { dims: [2, 3, 7, 6], kernel: [4, 3, 3, 2], group: 1, stride: [2, 1], pads: [1, 0, 2, 1] },
      true,
    ],
    [
      'DepthwiseConv2D',
      { dims: [1, 3, 6, 5], kernel: [6, 1, 3, 3], group: 3, stride: [1, 2], pads: [1, 1, 1, 1] },
      false,
    ],
  ];
  for (const [seed, [className, t, withBias]] of cases.entries()) {
    const { bytes, x, want } = convCase(t, { pads: t.pads }, withBias, 10 * seed);
    const model = convertBytes(bytes);
    assert.equal(model.getLayer('node').getClassName(), className);
    assertOutput(className, model, { x, dims: t.dims }, want, 1e-4);
  }
});

test('Conv with auto_pad SAME_* pads as ONNX splits the total (the odd one at the end or start)', async () => {
  await tf.setBackend('cpu');
  // Kernel 3, stride 2 on 7 × 6: ceil(7 / 2) = 4 rows need (4 - 1)·2 + 3 - 7 = 2 rows of padding;
  // ceil(6 / 2) = 3 columns need (3 - 1)·2 + 3 - 6 = 1 column.
  for (const [auto, pads] of [
    ['SAME_UPPER', [1, 0, 1, 1]],
    ['SAME_LOWER', [1, 1, 1, 0]],
  ] as const) {
    const t: Conv = {
      dims: [1, 2, 7, 6],
      kernel: [3, 2, 3, 3],
      group: 1,
      stride: [2, 2],
      pads: [...pads],
    };
    const { bytes, x, want } = convCase(t, { auto_pad: auto }, true, 5);
    assert.deepEqual(want.shape, [1, 3, 4, 3]);
    assertOutput(auto, bytes, { x, dims: t.dims }, want, 1e-4);
  }
});

test('ConvTranspose with auto_pad SAME_* is the same node with the pads the spec gives', async () => {
  await tf.setBackend('cpu');
  const [dims, kernel] = [
    [1, 2, 4, 5],
    [2, 3, 3, 3],
  ];
  const x = normals(40, 81);
  const w = { name: 'w', dims: kernel, values: normals(54, 82) };
  const node = (attrs: Record<string, TestAttribute>) =>
    convertBytes(singleNodeModel('ConvTranspose', dims, { strides: [2, 2], ...attrs }, [w]));
  // Output = input × stride: total padding 2·(size - 1) + 3 - 2·size = 1 on each axis.
  for (const [auto, pads] of [
    ['SAME_UPPER', [0, 0, 1, 1]],
    ['SAME_LOWER', [1, 1, 0, 0]],
    ['VALID', [0, 0, 0, 0]],
  ] as const) {
    const got = predictNchw(node({ auto_pad: auto }), x, dims);
    const want = predictNchw(node({ pads: [...pads] }), x, dims);
    if (auto !== 'VALID') assert.deepEqual(got.shape, [1, 3, 8, 10], auto);
    assert.deepEqual(got, want, auto);
  }
  assert.throws(
    () => node({ output_shape: [8, 10] }),
    /node node: ConvTranspose with output_shape is not supported/,
  );
});

test('Conv whose groups do not divide the input channels is refused by name', () => {
  const w = { name: 'w', dims: [4, 2, 3, 3], values: normals(72, 9) };
  assert.throws(
    () => convertBytes(singleNodeModel('Conv', [1, 3, 5, 5], { group: 2 }, [w])),
    /node node: 2 groups of 2 channels do not divide 3 input channels/,
  );
});
