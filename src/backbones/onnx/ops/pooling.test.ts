// Pooling converters on hand-built ONNX nodes beyond ../pooling.test.ts's explicit pads and
// ceil_mode: auto_pad SAME_UPPER / SAME_LOWER (asymmetric pads, hand-computed), and the spatial
// means GlobalAveragePool and ReduceMean (axes [2, 3] or [-2, -1], keepdims 1 or 0) against
// float64 loops; a mean over other axes is refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  assertOutput,
  convertBytes,
  normals,
  singleNodeModel,
  type TestAttribute,
} from '../test-graph.js';

const [N, C, H, W] = [2, 3, 5, 6];
const DIMS = [N, C, H, W];
const X = normals(N * C * H * W, 41);

/** Max pooling of NCHW `x` (k × k, stride s) over pads [top, left, bottom, right] of -∞. */
function maxPool(x: number[], k: number, s: number, [t, l, b, r]: number[]) {
  const [oh, ow] = [Math.floor((H + t + b - k) / s) + 1, Math.floor((W + l + r - k) / s) + 1];
  const y: number[] = [];
  for (let plane = 0; plane < N * C; plane++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        for (let a = 0; a < k; a++)
          for (let q = 0; q < k; q++) {
            const [row, col] = [i * s - t + a, j * s - l + q];
            if (row >= 0 && col >= 0 && row < H && col < W)
              best = Math.max(best, x[(plane * H + row) * W + col]);
          }
        y.push(best);
      }
  return { y, shape: [N, C, oh, ow] };
}

test('MaxPool with auto_pad SAME_* pads as ONNX splits the total (the odd one at the end or start)', async () => {
  await tf.setBackend('cpu');
  // Kernel 3, stride 2: out = ceil(5 / 2) = 3 rows, ceil(6 / 2) = 3 columns; total padding
  // (3 - 1)·2 + 3 - 5 = 2 rows and (3 - 1)·2 + 3 - 6 = 1 column.
  for (const [auto, pads] of [
    ['SAME_UPPER', [1, 0, 1, 1]],
    ['SAME_LOWER', [1, 1, 1, 0]],
    ['VALID', [0, 0, 0, 0]],
  ] as const) {
    const attrs = { kernel_shape: [3, 3], strides: [2, 2], auto_pad: auto };
    const bytes = singleNodeModel('MaxPool', DIMS, attrs);
    assertOutput(auto, bytes, { x: X, dims: DIMS }, maxPool(X, 3, 2, [...pads]), 1e-6);
  }
});

test('GlobalAveragePool and ReduceMean over H, W give the channel means, kept as 1×1 or not', async () => {
  await tf.setBackend('cpu');
  const means = Array.from({ length: N * C }, (_, k) => {
    let sum = 0;
    for (let i = 0; i < H * W; i++) sum += X[k * H * W + i];
    return sum / (H * W);
  });
  const cases: [string, Record<string, TestAttribute>, number[]][] = [
    ['GlobalAveragePool', {}, [N, C, 1, 1]],
    ['ReduceMean', { axes: [2, 3] }, [N, C, 1, 1]],
    ['ReduceMean', { axes: [-2, -1], keepdims: 1 }, [N, C, 1, 1]],
    ['ReduceMean', { axes: [2, 3], keepdims: 0 }, [N, C]],
  ];
  for (const [op, attrs, shape] of cases) {
    const label = `${op} ${JSON.stringify(attrs)}`;
    const bytes = singleNodeModel(op, DIMS, attrs);
    assertOutput(label, bytes, { x: X, dims: DIMS }, { y: means, shape }, 1e-6);
  }
  // Over the channels (held last of an image) and over the batch (refused).
  const overChannels = Array.from({ length: N * H * W }, (_, k) => {
    const [n, p] = [Math.floor(k / (H * W)), k % (H * W)];
    let sum = 0;
    for (let c = 0; c < C; c++) sum += X[(n * C + c) * H * W + p];
    return sum / C;
  });
  const channelMean = singleNodeModel('ReduceMean', DIMS, { axes: [1] });
  const want = { y: overChannels, shape: [N, 1, H, W] };
  assertOutput('ReduceMean [1]', channelMean, { x: X, dims: DIMS }, want, 1e-6);
  assert.throws(
    () => convertBytes(singleNodeModel('ReduceMean', DIMS, { axes: [0] })),
    /node node: a reduction over the batch axis is not supported/,
  );
});
