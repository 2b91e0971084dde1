// Pooling details checked on hand-built ONNX graphs (encoded with onnx-proto) against direct
// loops with PyTorch's semantics: ceil_mode windows (the last partial window counts, one starting
// in the end padding does not), -∞ padding for max pooling, and asymmetric pads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { convertGraph } from './convert.js';
import { parseOnnx } from './parse.js';
import { singleNodeModel } from './test-graph.js';

const poolModel = (
  op: 'MaxPool' | 'AveragePool',
  side: number,
  attrs: Record<string, number | number[]>,
) => singleNodeModel(op, [1, 1, side, side], attrs);

/** PyTorch's max/avg pooling of one channel (avg counting padding), in float64. */
function reference(
  x: number[],
  side: number,
  k: number,
  s: number,
  pad: number,
  ceil: boolean,
  max: boolean,
) {
  const span = side + 2 * pad - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= side + pad) out--;
  const y: number[] = [];
  for (let i = 0; i < out; i++)
    for (let j = 0; j < out; j++) {
      let acc = max ? -Infinity : 0;
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) {
          const r = i * s - pad + a;
          const c = j * s - pad + b;
          const inside = r >= 0 && c >= 0 && r < side && c < side;
          // Beyond the padded input (ceil mode) nothing counts; padding counts as 0 for avg.
          if (r >= side + pad || c >= side + pad) continue;
          const v = inside ? x[r * side + c] : max ? -Infinity : 0;
          acc = max ? Math.max(acc, v) : acc + v;
        }
      y.push(max ? acc : acc / (k * k));
    }
  return { y, out };
}

test('MaxPool with ceil_mode and padding matches PyTorch semantics (negative inputs, -∞ pads)', async () => {
  await tf.setBackend('cpu');
  for (const [side, k, s, pad] of [
    [6, 3, 2, 0],
    [7, 3, 2, 1],
    [8, 2, 3, 1],
    [5, 3, 2, 1],
  ]) {
    const rng = new Rng(side * 10 + k);
    const x = Array.from({ length: side * side }, () => rng.normal() - 3); // all negative
    for (const ceil of [false, true]) {
      const attrs = {
        kernel_shape: [k, k],
        strides: [s, s],
        pads: [pad, pad, pad, pad],
        ceil_mode: ceil ? 1 : 0,
      };
      const model = convertGraph(parseOnnx(poolModel('MaxPool', side, attrs), 'pool.onnx'));
      const want = reference(x, side, k, s, pad, ceil, true);
      const got = model.predict(tf.tensor4d(x, [1, side, side, 1])) as tf.Tensor;
      assert.deepEqual(
        got.shape,
        [1, want.out, want.out, 1],
        `${side}/${k}/${s}/${pad} ceil ${ceil}`,
      );
      const data = got.dataSync();
      want.y.forEach((v, i) => {
        assert.ok(Math.abs(data[i] - v) < 1e-6, `${side}/${k}/${s}/${pad} ceil ${ceil} [${i}]`);
      });
    }
  }
});

test('AveragePool counting padding matches; not counting it is refused by name', async () => {
  await tf.setBackend('cpu');
  const side = 6;
  const rng = new Rng(3);
  const x = Array.from({ length: side * side }, () => rng.normal());
  const attrs = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 };
  const model = convertGraph(parseOnnx(poolModel('AveragePool', side, attrs), 'avg.onnx'));
  const want = reference(x, side, 3, 2, 1, false, false);
  const data = (model.predict(tf.tensor4d(x, [1, side, side, 1])) as tf.Tensor).dataSync();
  want.y.forEach((v, i) => {
    assert.ok(Math.abs(data[i] - v) < 1e-6, `[${i}]`);
  });
  assert.throws(
    () =>
      convertGraph(
        parseOnnx(poolModel('AveragePool', side, { ...attrs, count_include_pad: 0 }), 'avg.onnx'),
      ),
    /node node: average pooling over padding that does not count it/,
  );
});
