// Pooling gradients on wasm match cpu: MaxPoolGrad is ours (wasm 4.22's drops windows
// with a negative max); AvgPoolGrad is ours on both (avg-pool-grad.test.ts checks it against
// its definition). Ties (all-zero windows after relu) must route dy as cpu does.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gradientsOn, randomInputs, relativeError, WorstError } from './testing.js';

const TOL = 1e-4;
const worst = new WorstError();
after(() => console.log(`pooling: ${worst}`));

let seed = 0;
for (const kind of ['max', 'avg'] as const) {
  for (const [h, w] of [
    [7, 6],
    [6, 6],
  ]) {
    for (const [size, stride] of [
      [2, 2],
      [3, 2],
      [3, 1],
    ]) {
      for (const pad of ['same', 'valid'] as const) {
        const label = `${kind}Pool n2 ${h}x${w} k${size} s${stride} ${pad}`;
        const caseSeed = ++seed;
        test(`${label} grad`, async () => {
          const inputs = randomInputs([[2, h, w, 3]], 200 + caseSeed);
          const pool = kind === 'max' ? tf.maxPool : tf.avgPool;
          const f = ([x]: tf.Tensor[]) => pool(x as tf.Tensor4D, size, stride, pad);
          const cpu = await gradientsOn('cpu', inputs, f, caseSeed);
          const wasm = await gradientsOn('wasm', inputs, f, caseSeed);
          const err = worst.record(relativeError(wasm.grads[0]!, cpu.grads[0]!), label);
          assert.ok(err < TOL, `${label}: relative error ${err}`);
        });
      }
    }
  }
}

for (const [size, stride, pad] of [
  [2, 2, 'valid'],
  [3, 2, 'same'],
  [3, 1, 'same'],
] as const) {
  const label = `maxPool with tied maxima k${size} s${stride} ${pad}`;
  test(`${label} grad`, async () => {
    // Values in {0, 1}, as after relu on mostly negative input: most windows hold ties, and
    // which position gets dy is visible in the gradient.
    const inputs = randomInputs([[3, 6, 7, 2]], 300 + size * 10 + stride).map((spec) => ({
      ...spec,
      values: spec.values.map((v) => (v > 0.6 ? 1 : 0)),
    }));
    const f = ([x]: tf.Tensor[]) => tf.maxPool(x as tf.Tensor4D, size, stride, pad);
    const cpu = await gradientsOn('cpu', inputs, f, 9);
    const wasm = await gradientsOn('wasm', inputs, f, 9);
    const err = worst.record(relativeError(wasm.grads[0]!, cpu.grads[0]!), label);
    assert.ok(err < TOL, `${label}: relative error ${err}`);
  });
}
