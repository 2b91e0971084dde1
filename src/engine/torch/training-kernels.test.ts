// The fused training kernels on torch against tfjs's stock compositions on the cpu backend:
// batch norm with batch statistics (tf.moments + tf.batchNorm), forward, gradients and the
// BatchNormalization layer's moving averages; the Relu / Relu6 gradients, kinks and NaN included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import { reLU } from '../../backbones/relu-layer.js';
import { fusedBatchNormTraining } from '../fused-ops.js';
import { agree, F, skip } from './test-support.js';

const EPSILON = 1e-3;

/** Training-mode batch norm: the fused kernel where the backend has one, else tfjs's ops. */
function batchNormTraining(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D) {
  const fused = fusedBatchNormTraining(x, scale, offset, EPSILON);
  if (fused) return fused;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return { y: tf.batchNorm(x, mean, variance, offset, scale, EPSILON), mean, variance };
}

/** Kernel names run by `f` (to prove the fused path is the one under test). */
async function kernelsOf(f: () => tf.TensorContainer): Promise<Set<string>> {
  const info = await tf.profile(() => f() as tf.Tensor);
  return new Set(info.kernels.map((k) => k.name));
}

// Shapes: NHWC (the layers' case), 2-D (dense heads), one channel, and a batch of one pixel per
// channel (variance 0). Inputs have a non-zero mean so that centring matters.
const SHAPES = [
  [4, 5, 3, 6],
  [6, 5],
  [3, 4, 4, 1],
  [1, 1, 1, 4],
];

test('fused batch norm training matches tf.moments + tf.batchNorm on cpu', { skip }, async () => {
  for (const shape of SHAPES) {
    const c = shape.at(-1)!;
    const specs = [F(shape, 1, 3), F([c], 0.5, 2), F([c]), F(shape)];
    agree(`batch norm training forward ${shape}`, specs, (x, s, o) => {
      const { y, mean, variance } = batchNormTraining(x!, s as tf.Tensor1D, o as tf.Tensor1D);
      return [y, mean, variance];
    });
    // A random upstream gradient w: sum(y) alone has a zero gradient with respect to x.
    agree(`batch norm training gradients ${shape}`, specs, (x, s, o, w) =>
      tf.grads((a: tf.Tensor, sc: tf.Tensor, off: tf.Tensor) =>
        batchNormTraining(a, sc as tf.Tensor1D, off as tf.Tensor1D)
          .y.mul(w!)
          .sum(),
      )([x!, s!, o!]),
    );
  }
  tf.setBackend('torch');
  const used = await kernelsOf(() =>
    tf.grads((a: tf.Tensor) =>
      batchNormTraining(a, tf.ones([3]), tf.zeros([3]))
        .y.square()
        .sum(),
    )([tf.randomNormal([2, 3, 3, 3])]),
  );
  assert.ok(used.has('VisiontuneBatchNormTrainingGrad'), `kernels run: ${[...used]}`);
  assert.ok(!used.has('Tile') && !used.has('SquaredDifference'), `stock ops ran: ${[...used]}`);
});

test('BatchNormalization layer in training mode: outputs, moving averages and gradients', {
  skip,
}, () => {
  for (const args of [{ momentum: 0.9 }, { momentum: 0.5, scale: false, center: false }]) {
    agree(`layer ${JSON.stringify(args)}`, [F([3, 4, 4, 5], -1, 3), F([3, 4, 4, 5])], (x, w) => {
      const layer = batchNormalization(args);
      layer.apply(x!, { training: true }); // builds, and moves the averages once
      const grads = tf.grads((a: tf.Tensor) =>
        (layer.apply(a, { training: true }) as tf.Tensor).mul(w!).sum(),
      )([x!]);
      const out = [...grads, ...layer.getWeights().map((v) => v.clone())];
      layer.dispose();
      return out;
    });
  }
});

test('Relu and Relu6 gradients match cpu, at the kinks and for NaN too', { skip }, async () => {
  const edges = [-1, 0, 1e-30, 3, 6, 6.000001, 8, Number.NaN];
  for (const [name, f] of [
    ['relu', tf.relu],
    ['relu6', tf.relu6],
    ['ReLU layer, maxValue 6', (x: tf.Tensor) => reLU({ maxValue: 6 }).apply(x) as tf.Tensor],
  ] as const) {
    agree(`${name} gradient`, [F([5, 7, 3], -3, 9), F([5, 7, 3])], (x, w) =>
      tf.grad((a: tf.Tensor) => f(a).mul(w!).sum())(x!),
    );
    agree(`${name} gradient at kinks`, [F([edges.length])], (w) =>
      tf.grad((a: tf.Tensor) => f(a).mul(w!).sum())(tf.tensor1d(edges)),
    );
  }
  // Large enough to be split across threads and vector lanes, with the kinks and NaN scattered
  // through it (the native loop is vectorized with bit masks: every lane position must be right).
  const n = 70_003;
  const scattered = Float32Array.from({ length: n }, (_, i) =>
    i % 7 === 0 ? edges[(i / 7) % edges.length]! : ((i * 7919) % 1000) / 100 - 2,
  );
  for (const [name, f] of [
    ['relu', tf.relu],
    ['relu6', tf.relu6],
  ] as const) {
    agree(`${name} gradient, ${n} values`, [F([n])], (w) =>
      tf.grad((a: tf.Tensor) => f(a).mul(w!).sum())(tf.tensor1d(scattered)),
    );
  }
  tf.setBackend('torch');
  const used = await kernelsOf(() =>
    tf.grad((a: tf.Tensor) => tf.relu6(a).sum())(tf.tensor1d([1, 2])),
  );
  assert.ok(used.has('VisiontuneReluGrad'), `kernels run: ${[...used]}`);
});
