// Gemm and MatMul on a flattened input (hand-built Flatten → Gemm graphs) against a float64
// matrix product: weights [out, in] with transB, [in, out] without, with and without a bias;
// transA, alpha and beta other than 1 are refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  assertOutput,
  convertBytes,
  graphModel,
  type Initializer,
  normals,
  type TestAttribute,
} from '../test-graph.js';

const DIMS = [2, 3, 2, 2];
const [BATCH, IN, OUT] = [2, 12, 5];
const X = normals(BATCH * IN, 61);
const WEIGHTS = normals(IN * OUT, 62); // [IN, OUT]
const BIAS = normals(OUT, 63);
/** WEIGHTS as [OUT, IN]. */
const TRANSPOSED = Array.from(
  { length: IN * OUT },
  (_, k) => WEIGHTS[(k % IN) * OUT + Math.floor(k / IN)],
);

function denseModel(op: string, attrs: Record<string, TestAttribute>, initializers: Initializer[]) {
  return graphModel(
    DIMS,
    [
      { opType: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
      { opType: op, inputs: ['f', ...initializers.map((t) => t.name)], outputs: ['y'], attrs },
    ],
    initializers,
  );
}

/** X (rows in NCHW flattening order) · WEIGHTS (+ bias). */
function product(bias?: number[]) {
  const y: number[] = [];
  for (let n = 0; n < BATCH; n++)
    for (let o = 0; o < OUT; o++) {
      let acc = bias ? bias[o] : 0;
      for (let i = 0; i < IN; i++) acc += X[n * IN + i] * WEIGHTS[i * OUT + o];
      y.push(acc);
    }
  return y;
}

test('Gemm (transB or not, with or without bias) and MatMul match a float64 product', async () => {
  await tf.setBackend('cpu');
  const w = { name: 'w', dims: [IN, OUT], values: WEIGHTS };
  const wt = { name: 'w', dims: [OUT, IN], values: TRANSPOSED };
  const b = { name: 'b', dims: [OUT], values: BIAS };
  for (const [label, bytes, bias] of [
    ['Gemm transB, bias', denseModel('Gemm', { transB: 1 }, [wt, b]), BIAS],
    ['Gemm, bias', denseModel('Gemm', { alpha: { float: 1 } }, [w, b]), BIAS],
    ['Gemm transB, no bias', denseModel('Gemm', { transB: 1 }, [wt]), undefined],
    ['MatMul', denseModel('MatMul', {}, [w]), undefined],
  ] as const) {
    assertOutput(label, bytes, { x: X, dims: DIMS }, { y: product(bias), shape: [BATCH, OUT] });
  }
});

test('Gemm with transA, alpha or beta is refused by name', () => {
  const w = { name: 'w', dims: [IN, OUT], values: WEIGHTS };
  const refused: Record<string, TestAttribute>[] = [
    { transA: 1 },
    { alpha: { float: 2 } },
    { beta: { float: 0.5 } },
  ];
  for (const attrs of refused)
    assert.throws(
      () => convertBytes(denseModel('Gemm', attrs, [w])),
      /node n1: Gemm with transA, alpha or beta is not supported/,
    );
});
