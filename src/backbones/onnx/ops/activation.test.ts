// Activation converters on hand-built ONNX nodes against float64 formulas on random input: Relu,
// Clip with bounds from inputs or attributes (only from 0), Sigmoid, HardSigmoid with the node's
// alpha/beta and ONNX's defaults, HardSwish, Softmax over each row of [batch, classes].
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  assertOutput,
  convertBytes,
  graphModel,
  normals,
  singleNodeModel,
  type TestAttribute,
} from '../test-graph.js';

const DIMS = [2, 3, 4, 5];
// Spread wide enough that Clip's upper bound and the hard gates' saturation are reached.
const X = normals(120, 11).map((v) => 5 * v);
const scalar = (name: string, value: number) => ({ name, dims: [], values: [value] });
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const gate = (v: number, alpha: number, beta: number) => Math.min(1, Math.max(0, alpha * v + beta));

const checkElementwise = (label: string, bytes: Uint8Array, f: (v: number) => number) =>
  assertOutput(label, bytes, { x: X, dims: DIMS }, { y: X.map(f), shape: DIMS });

test('Relu, Sigmoid, HardSigmoid and HardSwish match their float64 formulas', async () => {
  await tf.setBackend('cpu');
  const cases: [string, Record<string, TestAttribute>, (v: number) => number][] = [
    ['Relu', {}, (v) => Math.max(0, v)],
    ['Sigmoid', {}, sigmoid],
    ['HardSigmoid', {}, (v) => gate(v, 0.2, 0.5)],
    ['HardSigmoid', { alpha: { float: 0.3 }, beta: { float: 0.4 } }, (v) => gate(v, 0.3, 0.4)],
    ['HardSwish', {}, (v) => v * gate(v, 1 / 6, 0.5)],
  ];
  for (const [op, attrs, f] of cases)
    checkElementwise(`${op} ${JSON.stringify(attrs)}`, singleNodeModel(op, DIMS, attrs), f);
});

test('Clip from 0 is a ReLU with the bound from inputs or attributes; from elsewhere it is refused', async () => {
  await tf.setBackend('cpu');
  const relu6 = (v: number) => Math.min(6, Math.max(0, v));
  checkElementwise(
    'inputs min, max',
    singleNodeModel('Clip', DIMS, {}, [scalar('lo', 0), scalar('hi', 6)]),
    relu6,
  );
  checkElementwise('input min only', singleNodeModel('Clip', DIMS, {}, [scalar('lo', 0)]), (v) =>
    Math.max(0, v),
  );
  checkElementwise(
    'attributes (opset 6)',
    singleNodeModel('Clip', DIMS, { min: { float: 0 }, max: { float: 6 } }),
    relu6,
  );
  assert.throws(
    () => convertBytes(singleNodeModel('Clip', DIMS, {}, [scalar('lo', -1), scalar('hi', 1)])),
    /node node: Clip\(-1, 1\) is supported only from 0/,
  );
  assert.throws(
    () => convertBytes(singleNodeModel('Clip', DIMS, {}, [])),
    /node node: Clip\(-Infinity, Infinity\) is supported only from 0/,
  );
});

test('Softmax normalizes each row of [batch, classes], and along the channels of an image', async () => {
  await tf.setBackend('cpu');
  const bytes = graphModel(DIMS, [
    { opType: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
    { opType: 'Softmax', inputs: ['f'], outputs: ['y'], attrs: { axis: 1 } },
  ]);
  // Rows in NCHW order (Flatten's); each row's exponentials over their sum.
  const want = [0, 1].flatMap((n) => {
    const row = X.slice(n * 60, (n + 1) * 60);
    const top = Math.max(...row);
    const sum = row.reduce((a, v) => a + Math.exp(v - top), 0);
    return row.map((v) => Math.exp(v - top) / sum);
  });
  assertOutput('Softmax', bytes, { x: X, dims: DIMS }, { y: want, shape: [2, 60] }, 1e-6);
  // Axis 1 of NCHW: the three channels of each pixel (held NHWC: the last held axis).
  const [, C, H, W] = DIMS;
  const channels = X.map((_, i) => {
    const [n, p] = [Math.floor(i / (C * H * W)), i % (H * W)];
    const all = [0, 1, 2].map((c) => Math.exp(X[(n * C + c) * H * W + p]));
    return Math.exp(X[i]) / all.reduce((a, b) => a + b, 0);
  });
  assertOutput(
    'Softmax axis 1',
    singleNodeModel('Softmax', DIMS, { axis: 1 }),
    { x: X, dims: DIMS },
    { y: channels, shape: DIMS },
    1e-6,
  );
});
