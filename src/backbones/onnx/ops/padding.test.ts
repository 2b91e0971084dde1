// Pad on hand-built ONNX nodes against a float64 loop: pads from an int64 input (opset 11+)
// with a constant value, or from the attribute with zeros, asymmetric on H and W; all-zero pads
// still give the node a layer; other modes and channel or batch padding are refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  assertOutput,
  convertBytes,
  normals,
  predictNchw,
  singleNodeModel,
} from '../test-graph.js';

const [N, C, H, W] = [2, 3, 4, 5];
const DIMS = [N, C, H, W];
const X = normals(N * C * H * W, 51);

/** NCHW `x` padded by [top, left, bottom, right] with `value`. */
function padded(x: number[], [t, l, b, r]: number[], value: number) {
  const [oh, ow] = [H + t + b, W + l + r];
  const y: number[] = [];
  for (let plane = 0; plane < N * C; plane++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const [row, col] = [i - t, j - l];
        const inside = row >= 0 && col >= 0 && row < H && col < W;
        y.push(inside ? x[(plane * H + row) * W + col] : value);
      }
  return { y, shape: [N, C, oh, ow] };
}

const pads = (values: number[]) => ({ name: 'pads', dims: [8], values, int64: true });

test('Pad with pads and value from inputs, or pads from the attribute, pads H and W', async () => {
  await tf.setBackend('cpu');
  // NCHW pads [n0, c0, h0, w0, n1, c1, h1, w1].
  const fromInputs = singleNodeModel('Pad', DIMS, {}, [
    pads([0, 0, 1, 2, 0, 0, 2, 0]),
    { name: 'value', dims: [], values: [1.5] },
  ]);
  const fromAttribute = singleNodeModel('Pad', DIMS, { pads: [0, 0, 0, 1, 0, 0, 3, 1] });
  for (const [label, bytes, spatial, value] of [
    ['inputs', fromInputs, [1, 2, 2, 0], 1.5],
    ['attribute', fromAttribute, [0, 1, 3, 1], 0],
  ] as const) {
    assertOutput(label, bytes, { x: X, dims: DIMS }, padded(X, [...spatial], value), 1e-6);
  }
});

test('Pad by zero still has a layer of its own, passing its input through', async () => {
  await tf.setBackend('cpu');
  const model = convertBytes(singleNodeModel('Pad', DIMS, {}, [pads([0, 0, 0, 0, 0, 0, 0, 0])]));
  assert.ok(model.getLayer('node'));
  assert.deepEqual(predictNchw(model, X, DIMS).data, Array.from(Float32Array.from(X)));
});

test('Pad in another mode or of the batch is refused by name (channels pad: view.test.ts)', () => {
  for (const [attrs, values, refused] of [
    [{ mode: 'reflect' }, [0, 0, 1, 1, 0, 0, 1, 1], /node node: Pad \(reflect\) is not supported/],
    [{}, [0, 0, 0, 0, 1, 0, 0, 0], /node node: Pad of the batch axis is not supported/],
  ] as const)
    assert.throws(
      () => convertBytes(singleNodeModel('Pad', DIMS, attrs, [pads([...values])])),
      refused,
    );
});
