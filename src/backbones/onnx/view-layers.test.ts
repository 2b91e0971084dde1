// Imported transformers and segmentation nets train: each layer kind of view-layers.ts (and the
// new OnnxUnary functions) has the gradient its forward implies — tf.grad of a seeded projection
// of the output against central finite differences at a few input entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { OnnxUnary } from './layers.js';
import {
  OnnxMatMul,
  OnnxPad,
  OnnxReduce,
  OnnxReshape,
  OnnxResize,
  OnnxSlice,
  OnnxSoftmax,
  OnnxTranspose,
} from './view-layers.js';

const STEP = 1e-2;
const TOLERANCE = 2e-3;

/** The largest |analytic − numeric| derivative of sum(f(xs) · r) over entries of each input. */
function gradientError(f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][], positive = false) {
  const xs = shapes.map((s, k) => {
    const x = tf.randomNormal(s, 0, 1, 'float32', 11 + k);
    return positive ? tf.add(tf.abs(x), 0.5) : x;
  });
  const r = tf.randomNormal(f(...xs).shape, 0, 1, 'float32', 5);
  const projected = (...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), r)) as tf.Scalar;
  const grads = tf.grads(projected)(xs);
  let worst = 0;
  xs.forEach((x, k) => {
    const values = x.dataSync();
    const g = grads[k].dataSync();
    for (let i = 0; i < values.length; i += Math.max(1, Math.floor(values.length / 7))) {
      const at = (delta: number) => {
        const moved = Float32Array.from(values);
        moved[i] += delta;
        const args = xs.map((y, j) => (j === k ? tf.tensor(moved, x.shape) : y));
        return projected(...args).dataSync()[0];
      };
      worst = Math.max(worst, Math.abs((at(STEP) - at(-STEP)) / (2 * STEP) - g[i]));
    }
  });
  return worst;
}

const apply = (layer: tf.layers.Layer) => (x: tf.Tensor) => layer.apply(x) as tf.Tensor;

test('view, reduction, softmax, MatMul and Resize layers have finite-difference gradients', async () => {
  await tf.setBackend('cpu');
  const cases: [string, (...xs: tf.Tensor[]) => tf.Tensor, number[][], boolean?][] = [
    ['reshape', apply(new OnnxReshape({ targetShape: [3, -1, 2] })), [[2, 3, 4]]],
    ['transpose', apply(new OnnxTranspose({ perm: [1, 0, 2] })), [[2, 3, 4]]],
    [
      'slice with steps',
      apply(new OnnxSlice({ begin: [0, 1, 0], size: [-1, 2, 3], steps: [1, 2, 2] })),
      [[2, 5, 6]],
    ],
    [
      'pad',
      apply(
        new OnnxPad({
          paddings: [
            [0, 0],
            [1, 2],
            [0, 1],
          ],
          value: 0.5,
        }),
      ),
      [[2, 3, 4]],
    ],
    ['mean', apply(new OnnxReduce({ op: 'mean', axes: [2], keepDims: true })), [[2, 3, 4]]],
    ['l2', apply(new OnnxReduce({ op: 'l2', axes: [1, 2], keepDims: false })), [[2, 3, 4]]],
    ['max', apply(new OnnxReduce({ op: 'max', axes: [1], keepDims: false })), [[2, 3, 4]]],
    ['softmax axis 1', apply(new OnnxSoftmax({ axis: 1 })), [[2, 3, 4]]],
    [
      'matmul',
      (a, b) => new OnnxMatMul({}).apply([a, b]) as tf.Tensor,
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
    ],
    [
      'matmul bᵀ',
      (a, b) => new OnnxMatMul({ transposeB: true }).apply([a, b]) as tf.Tensor,
      [
        [2, 3, 4],
        [2, 5, 4],
      ],
    ],
    ['bilinear', apply(new OnnxResize({ size: [5, 7], mode: 'linear' })), [[1, 3, 4, 2]]],
    ['nearest', apply(new OnnxResize({ size: [6, 8], mode: 'nearest' })), [[1, 3, 4, 2]]],
    ['erf', apply(new OnnxUnary({ op: 'erf' })), [[2, 6]]],
    ['tanh', apply(new OnnxUnary({ op: 'tanh' })), [[2, 6]]],
    ['square', apply(new OnnxUnary({ op: 'pow', alpha: 2 })), [[2, 6]]],
    ['sqrt', apply(new OnnxUnary({ op: 'sqrt' })), [[2, 6]], true],
    ['pow 1.5', apply(new OnnxUnary({ op: 'pow', alpha: 1.5 })), [[2, 6]], true],
  ];
  for (const [label, f, shapes, positive] of cases) {
    const error = tf.tidy(() => gradientError(f, shapes, positive));
    assert.ok(error < TOLERANCE, `${label}: gradient error ${error}`);
  }
});
