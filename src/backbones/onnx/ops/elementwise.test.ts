import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertOutput, graphModel, normals, singleNodeModel } from '../test-graph.js';

const [N, C, H, W] = [2, 3, 4, 5];
const DIMS = [N, C, H, W];
const X = normals(N * C * H * W, 21);
const OPS = {
  Add: (a: number, b: number) => a + b,
  Sub: (a: number, b: number) => a - b,
  Mul: (a: number, b: number) => a * b,
  Div: (a: number, b: number) => a / b,
};
type Op = keyof typeof OPS;
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** NCHW (n, c, h, w) of flat index i. */
const at = (i: number) => [
  Math.floor(i / (C * H * W)),
  Math.floor(i / (H * W)) % C,
  Math.floor(i / W) % H,
  i % W,
];

const check = (label: string, bytes: Uint8Array, want: number[], shape = DIMS) =>
  assertOutput(label, bytes, { x: X, dims: DIMS }, { y: want, shape });

test('two computed values: x op sigmoid(x) and sigmoid(x) op x, for each op', async () => {
  await tf.setBackend('cpu');
  for (const op of Object.keys(OPS) as Op[])
    for (const sigmoidFirst of [false, true]) {
      const inputs = sigmoidFirst ? ['s', 'x'] : ['x', 's'];
      const bytes = graphModel(DIMS, [
        { opType: 'Sigmoid', inputs: ['x'], outputs: ['s'] },
        { opType: op, inputs, outputs: ['y'] },
      ]);
      const want = X.map((v) => (sigmoidFirst ? OPS[op](sigmoid(v), v) : OPS[op](v, sigmoid(v))));
      check(`${op} ${inputs}`, bytes, want);
    }
});

test('a per-channel computed value broadcasts over H and W (squeeze-excite)', async () => {
  await tf.setBackend('cpu');
  const means = Array.from({ length: N * C }, (_, k) => {
    const plane = X.slice(k * H * W, (k + 1) * H * W);
    return plane.reduce((a, b) => a + b, 0) / (H * W);
  });
  for (const op of Object.keys(OPS) as Op[]) {
    const bytes = graphModel(DIMS, [
      { opType: 'GlobalAveragePool', inputs: ['x'], outputs: ['m'] },
      { opType: op, inputs: ['x', 'm'], outputs: ['y'] },
    ]);
    const want = X.map((v, i) => OPS[op](v, means[Math.floor(i / (H * W))]));
    check(`${op} x, mean`, bytes, want);
  }
});

test('a constant on either side, scalar to full-shape, is laid out as ONNX broadcasts it', async () => {
  await tf.setBackend('cpu');
  // Positive constants, so Div is well away from 0.
  const constant = (dims: number[], seed: number) => ({
    name: 'c',
    dims,
    values: normals(
      dims.reduce((a, b) => a * b, 1),
      seed,
    ).map((v) => 1.5 + 0.4 * Math.tanh(v)),
  });
  const shapes: [string, number[], (n: number, c: number, h: number, w: number) => number][] = [
    ['scalar', [], () => 0],
    ['per-channel', [C, 1, 1], (_n, c) => c],
    ['spatial', [H, W], (_n, _c, h, w) => h * W + w],
    ['full', [1, C, H, W], (_n, c, h, w) => (c * H + h) * W + w],
  ];
  for (const [seed, [label, dims, index]] of shapes.entries())
    for (const op of Object.keys(OPS) as Op[])
      for (const constantFirst of [false, true]) {
        const c = constant(dims, seed);
        const inputs = constantFirst ? ['c', 'x'] : ['x', 'c'];
        const bytes = graphModel(DIMS, [{ opType: op, inputs, outputs: ['y'] }], [c]);
        const want = X.map((v, i) => {
          const k = c.values[index(...(at(i) as [number, number, number, number]))];
          return constantFirst ? OPS[op](k, v) : OPS[op](v, k);
        });
        check(`${op} ${inputs} (${label})`, bytes, want);
      }
});

test('a constant vector against a flattened [batch, features] value', async () => {
  await tf.setBackend('cpu');
  const features = C * H * W;
  const c = { name: 'c', dims: [features], values: normals(features, 5) };
  const bytes = graphModel(
    DIMS,
    [
      { opType: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
      { opType: 'Sub', inputs: ['f', 'c'], outputs: ['y'] },
    ],
    [c],
  );
  check(
    'Sub [N, F] - [F]',
    bytes,
    X.map((v, i) => v - c.values[i % features]),
    [N, features],
  );
  // The single-node builder feeds its initializers after x: the same as ['x', 'c'].
  const scalarBytes = singleNodeModel('Mul', DIMS, {}, [{ name: 'k', dims: [1], values: [3] }]);
  check(
    'Mul by [1]',
    scalarBytes,
    X.map((v) => 3 * v),
  );
});
