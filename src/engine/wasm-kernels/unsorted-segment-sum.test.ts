// gather's gradient (UnsortedSegmentSum) on wasm matches cpu, including repeated indices,
// every axis, batchDims, and segment ids outside [0, numSegments) (dropped, as in TF).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gradientsOn, kernelOn, randomInputs, relativeError, WorstError } from './testing.js';

const TOL = 1e-4;
const worst = new WorstError();
after(() => console.log(`gather/segment sum: ${worst}`));

const xShape = [5, 4, 3];
const gatherCases: { axis: number; indices: number[][] }[] = [
  { axis: 0, indices: [[0, 2, 2, 4, 0]] },
  { axis: 0, indices: [[3], [3]] },
  {
    axis: 1,
    indices: [
      [1, 1, 3],
      [0, 3, 3],
    ],
  },
  { axis: 2, indices: [[2, 0, 2, 2]] },
];

gatherCases.forEach(({ axis, indices }, index) => {
  test(`gather grad axis ${axis} indices ${JSON.stringify(indices)}`, async () => {
    const inputs = randomInputs([xShape], 60 + index);
    const f = ([x]: tf.Tensor[]) => tf.gather(x!, tf.tensor2d(indices, undefined, 'int32'), axis);
    const cpu = await gradientsOn('cpu', inputs, f, index);
    const wasm = await gradientsOn('wasm', inputs, f, index);
    const err = worst.record(relativeError(wasm.grads[0]!, cpu.grads[0]!), `gather axis ${axis}`);
    assert.ok(err < TOL, `relative error ${err}`);
    // Repeated indices must accumulate: the gradient is not just a scatter of dy.
    assert.ok(cpu.grads[0]!.some((v) => v !== 0));
  });
});

test('gather grad with batchDims 1', async () => {
  const inputs = randomInputs([[2, 5, 3]], 71);
  const f = ([x]: tf.Tensor[]) =>
    tf.gather(
      x!,
      tf.tensor2d(
        [
          [0, 4, 4],
          [1, 1, 2],
        ],
        undefined,
        'int32',
      ),
      1,
      1,
    );
  const cpu = await gradientsOn('cpu', inputs, f, 3);
  const wasm = await gradientsOn('wasm', inputs, f, 3);
  const err = worst.record(relativeError(wasm.grads[0]!, cpu.grads[0]!), 'gather batchDims 1');
  assert.ok(err < TOL, `relative error ${err}`);
});

test('UnsortedSegmentSum kernel drops out-of-range ids and sums repeats', async () => {
  const x = randomInputs([[6, 2, 3]], 81)[0]!;
  const segmentIds = { shape: [6], values: Int32Array.from([2, -1, 0, 2, 7, 3]) };
  const attrs = { numSegments: 4 };
  const expected = await kernelOn('cpu', tf.UnsortedSegmentSum, { x, segmentIds }, attrs);
  const actual = await kernelOn('wasm', tf.UnsortedSegmentSum, { x, segmentIds }, attrs);
  assert.equal(actual.length, 4 * 2 * 3);
  const err = worst.record(relativeError(actual, expected), 'segment sum out-of-range ids');
  assert.ok(err < TOL, `relative error ${err}`);
  // Segment 1 gets nothing.
  assert.deepEqual(Array.from(actual.slice(6, 12)), [0, 0, 0, 0, 0, 0]);
});

// The cpu kernel itself fails on 2-D ids (it broadcasts them along the wrong axis), so this
// case is checked against sums written out by hand.
test('UnsortedSegmentSum kernel with 2-D segment ids', async () => {
  const x = randomInputs([[2, 3, 4]], 82)[0]!;
  const ids = [1, 0, 1, 4, 4, 0];
  const expected = new Float32Array(5 * 4);
  ids.forEach((id, row) => {
    for (let k = 0; k < 4; k++) expected[id * 4 + k]! += x.values[row * 4 + k]!;
  });
  const segmentIds = { shape: [2, 3], values: Int32Array.from(ids) };
  const actual = await kernelOn(
    'wasm',
    tf.UnsortedSegmentSum,
    { x, segmentIds },
    { numSegments: 5 },
  );
  const err = worst.record(relativeError(actual, expected), 'segment sum 2-D ids');
  assert.ok(err < TOL, `relative error ${err}`);
});
