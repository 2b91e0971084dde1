// Shape and plumbing converters on hand-built ONNX graphs: Flatten and Reshape keep NCHW element
// order (checked against the NCHW input itself); the exporters' Shape → Gather → Unsqueeze →
// Concat → Reshape flattening folds to constants; Concat maps NCHW axes to NHWC (against a float64 NCHW
// concatenation); Constant feeds an operator; Identity and Dropout add no layer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertOutput, convertBytes, graphModel, normals, singleNodeModel } from '../test-graph.js';

const [N, C, H, W] = [2, 3, 4, 5];
const DIMS = [N, C, H, W];
const X = normals(N * C * H * W, 71);
const RELU = X.map((v) => Math.max(0, v));
const int64 = (name: string, dims: number[], values: number[]) => ({
  name,
  dims,
  values,
  int64: true,
});

const check = (label: string, bytes: Uint8Array, want: number[], shape: number[], dims = DIMS) =>
  assertOutput(label, bytes, { x: X.slice(0, want.length), dims }, { y: want, shape }, 1e-6);

test('Flatten and Reshape to [batch, -1] keep NCHW order (channels outermost)', async () => {
  await tf.setBackend('cpu');
  const flat = [N, C * H * W];
  check('Flatten', singleNodeModel('Flatten', DIMS, { axis: 1 }), X, flat);
  // 1×1 spatial: no permutation needed, the same order.
  const gap = X.slice(0, N * C);
  check('Flatten 1×1', singleNodeModel('Flatten', [N, C, 1, 1], {}), gap, [N, C], [N, C, 1, 1]);
  for (const target of [
    [N, -1],
    [N, C * H * W],
  ])
    check(
      `Reshape [${target}]`,
      singleNodeModel('Reshape', DIMS, {}, [int64('shape', [2], target)]),
      X,
      flat,
    );
  // Any target keeps the batch: NCHW order throughout, as the flat input itself.
  const split = singleNodeModel('Reshape', DIMS, {}, [int64('shape', [3], [N, C, -1])]);
  check('Reshape [2,3,-1]', split, X, [N, C, H * W]);
  assert.throws(
    () => convertBytes(singleNodeModel('Reshape', DIMS, {}, [int64('shape', [2], [C, -1])])),
    /node node: Reshape \[2,3,4,5\] → \[3,40\] splits the batch axis/,
  );
});

test("the exporters' Shape → Gather → Unsqueeze → Concat → Reshape folds at import time", async () => {
  await tf.setBackend('cpu');
  const batch = [
    { opType: 'Shape', inputs: ['x'], outputs: ['shape'] },
    { opType: 'Gather', inputs: ['shape', 'zero'], outputs: ['batch'], attrs: { axis: 0 } },
    { opType: 'Unsqueeze', inputs: ['batch', 'axes'], outputs: ['batch1'] },
  ];
  const reshape = [
    { opType: 'Concat', inputs: ['batch1', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
    { opType: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
  ];
  const indices = [int64('zero', [], [0]), int64('axes', [1], [0])];
  // [batch, -1]: the batch from the shape, -1 a constant.
  const flattening = graphModel(
    DIMS,
    [...batch, ...reshape],
    [...indices, int64('rest', [1], [-1])],
  );
  check('folded flattening', flattening, X, [N, C * H * W]);
  // Shape is NCHW with the graph's batch, and Gather counts negative indices from the end: the
  // folded target [2, 3, 4, 5] leaves x as it is.
  const picked = {
    opType: 'Gather',
    inputs: ['shape', 'chw'],
    outputs: ['rest'],
    attrs: { axis: 0 },
  };
  const nchw = graphModel(
    DIMS,
    [...batch, picked, ...reshape],
    [...indices, int64('chw', [3], [1, 2, -1])],
  );
  check('folded [batch, C, H, W]', nchw, X, DIMS);
});

test('Concat of computed values along NCHW axes 1, 2, -1 and of flattened ones along axis 1', async () => {
  await tf.setBackend('cpu');
  /** NCHW concatenation of X and relu(X) along `axis`. */
  const concatenated = (axis: number) => {
    const outer = DIMS.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = DIMS.slice(axis).reduce((a, b) => a * b, 1);
    return Array.from({ length: outer }, (_, k) => [
      ...X.slice(k * inner, (k + 1) * inner),
      ...RELU.slice(k * inner, (k + 1) * inner),
    ]).flat();
  };
  for (const axis of [1, 2, -1]) {
    const bytes = graphModel(DIMS, [
      { opType: 'Relu', inputs: ['x'], outputs: ['r'] },
      { opType: 'Concat', inputs: ['x', 'r'], outputs: ['y'], attrs: { axis } },
    ]);
    const positive = axis < 0 ? axis + 4 : axis;
    const shape = DIMS.map((d, i) => (i === positive ? 2 * d : d));
    check(`axis ${axis}`, bytes, concatenated(positive), shape);
  }
  // One input (DenseNet's first dense layer): the input itself, no layer.
  const one = graphModel(DIMS, [
    { opType: 'Relu', inputs: ['x'], outputs: ['r'] },
    { opType: 'Concat', inputs: ['r'], outputs: ['y'], attrs: { axis: 1 } },
  ]);
  check('one input', one, RELU, DIMS);
  assert.equal(convertBytes(one).layers.length, 2);
  const flat = graphModel(DIMS, [
    { opType: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
    { opType: 'Relu', inputs: ['f'], outputs: ['r'] },
    { opType: 'Concat', inputs: ['f', 'r'], outputs: ['y'], attrs: { axis: 1 } },
  ]);
  check('flattened', flat, concatenated(1), [N, 2 * C * H * W]);
});

test('Constant feeds an operator; Identity and Dropout pass their input on without a layer', async () => {
  await tf.setBackend('cpu');
  const offsets = { name: 'unused', dims: [C, 1, 1], values: [1, -2, 3] };
  const withConstant = graphModel(DIMS, [
    { opType: 'Constant', inputs: [], outputs: ['c'], attrs: { value: { tensor: offsets } } },
    { opType: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
  ]);
  const channel = (i: number) => Math.floor(i / (H * W)) % C;
  check(
    'Constant',
    withConstant,
    X.map((v, i) => v + offsets.values[channel(i)]),
    DIMS,
  );
  const passing = graphModel(DIMS, [
    { opType: 'Relu', inputs: ['x'], outputs: ['r'] },
    { opType: 'Identity', inputs: ['r'], outputs: ['i'] },
    { opType: 'Dropout', inputs: ['i'], outputs: ['y'] },
  ]);
  check('Identity, Dropout', passing, RELU, DIMS);
  assert.equal(convertBytes(passing).layers.length, 2); // the input and the ReLU
});

test('shape arithmetic that cannot hold is refused by name', () => {
  const shapeOfConstant = graphModel(
    DIMS,
    [
      { opType: 'Shape', inputs: ['k'], outputs: ['s'] },
      { opType: 'Reshape', inputs: ['x', 's'], outputs: ['y'] },
    ],
    [int64('k', [2], [1, 2])],
  );
  // The shape of a constant folds too; a target of the wrong size is refused.
  assert.throws(
    () => convertBytes(shapeOfConstant),
    /node n1: cannot reshape \[2,3,4,5\] to \[2\]/,
  );
  assert.throws(
    () => convertBytes(singleNodeModel('Expand', DIMS, {}, [int64('i', [4], DIMS)])),
    /node node: Expand with these inputs is not supported/,
  );
});
