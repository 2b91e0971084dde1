// Mean compensation and variance scoring against cases with known answers: channels that are
// constant over the data are the ones scored lowest, and removing them with compensation leaves
// the network's outputs unchanged (into a bias, and into a following BatchNorm's moving mean);
// input statistics against a float64 computation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import {
  compensateRemovedChannels,
  readerInputStats,
  varianceScorer,
} from './channel-compensate.js';
import { pruneChannels } from './channel-prune.js';
import { pruneChannelsInSteps } from './channel-steps.js';
import { randomizeWeights } from './channel-testing.js';

await tf.setBackend('cpu');

/** Channels 1, 4 and 6 of `a` output their (nonzero) bias whatever the input: zero filters. */
const CONSTANT = [1, 4, 6];

/** input -> a (1×1, 8) -> b (1×1, 4; bias, or no bias + BN) -> GAP, the output (kept whole). */
function net(readerHasBias: boolean): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 1, name: 'a' }).apply(input);
  x = tf.layers.conv2d({ filters: 4, kernelSize: 1, useBias: readerHasBias, name: 'b' }).apply(x);
  if (!readerHasBias) x = tf.layers.batchNormalization({ name: 'bn' }).apply(x);
  const out = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  randomizeWeights(model, 3);
  const a = model.getLayer('a');
  const [kernel, bias] = a.getWeights();
  const mask = tf.tensor1d(Array.from({ length: 8 }, (_, c) => (CONSTANT.includes(c) ? 0 : 1)));
  a.setWeights([tf.mul(kernel, mask), tf.add(bias, 0.5)]);
  return model;
}

const rng = new Rng(9);
const images = () =>
  tf.tensor4d(
    Array.from({ length: 6 * 5 * 5 * 3 }, () => rng.normal()),
    [6, 5, 5, 3],
  );
async function* batches(list: tf.Tensor[]) {
  for (const x of list) yield x.clone();
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

for (const readerHasBias of [true, false]) {
  test(`removing constant channels with compensation leaves outputs unchanged (${readerHasBias ? 'bias' : 'BatchNorm mean'})`, async () => {
    const model = net(readerHasBias);
    const calibration = [images(), images()];
    const stats = await readerInputStats(model, batches(calibration));
    const { model: pruned, report } = await pruneChannels(model, {
      amount: 3 / 8,
      importance: 'l1',
      scorer: varianceScorer(model, stats),
    });
    const group = report.groups.find((g) => g.producers.includes('a'))!;
    assert.deepEqual(group.kept, [0, 2, 3, 5, 7], 'the constant channels score lowest');
    const x = images();
    const want = model.predict(x) as tf.Tensor;
    assert.ok(
      maxDiff(pruned.predict(x) as tf.Tensor, want) > 1e-3,
      'removal alone changes outputs',
    );
    const done = compensateRemovedChannels(model, pruned, report, stats);
    assert.deepEqual(done.compensated, ['b']);
    assert.ok(maxDiff(pruned.predict(x) as tf.Tensor, want) < 1e-4);
  });
}

test('reader input statistics are the per-channel mean and variance over images and positions', async () => {
  const model = net(true);
  const calibration = [images(), images()];
  const stats = await readerInputStats(model, batches(calibration));
  // b reads a's output: compute it directly and take float64 moments.
  const probe = tf.model({
    inputs: model.inputs,
    outputs: model.getLayer('a').output as tf.SymbolicTensor,
  });
  const values = calibration.flatMap((x) => Array.from((probe.predict(x) as tf.Tensor).dataSync()));
  for (let c = 0; c < 8; c++) {
    const xs = values.filter((_, i) => i % 8 === c);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    const got = stats.get('b')!;
    assert.ok(Math.abs(got.mean[c] - mean) < 1e-4, `mean ${c}`);
    assert.ok(Math.abs(got.variance[c] - variance) < 1e-3 * Math.max(1, variance), `variance ${c}`);
  }
  assert.deepEqual([...stats.keys()].sort(), ['a', 'b']);
});

test('pruning in steps reaches the asked share and keeps the constant-channel case exact', async () => {
  const model = net(true);
  const calibration = [images(), images()];
  const { model: pruned, steps } = await pruneChannelsInSteps(model, {
    amount: 3 / 8,
    steps: 3,
    importance: 'l1',
    calibration: () => batches(calibration),
  });
  assert.equal(steps.length, 3);
  assert.deepEqual(pruned.getLayer('a').getWeights()[0].shape, [1, 1, 3, 5]);
  const x = images();
  assert.ok(maxDiff(pruned.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor) < 1e-4);
});
