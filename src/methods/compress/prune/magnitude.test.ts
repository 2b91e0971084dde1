// Magnitude pruning: which weights go (the smallest, globally or per layer), that the masks hold
// through training steps of the real loop, and that a resumed run takes its masks from the zeros.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { fit } from '../../../train/loop.js';
import { AdamW, buildParamGroups } from '../../../train/optim/index.js';
import { Rng } from '../../../util/rng.js';
import { MagnitudePruner, prunableWeights } from './magnitude.js';
import { sparsityAt } from './schedule.js';

await tf.setBackend('cpu');

/** conv -> BN -> depthwise -> GAP -> dense, with layers of very different weight scales. */
function model(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'conv' })
    .apply(input);
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x);
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(x);
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  const out = tf.layers.dense({ units: 4, name: 'head' }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  // Scale the depthwise kernel up: a global threshold then prunes it less than the others.
  const dw = m.getLayer('dw');
  dw.setWeights(dw.getWeights().map((w, i) => (i === 0 ? tf.mul(w, 5) : w)));
  return m;
}

const magnitudes = (m: tf.LayersModel) =>
  prunableWeights(m).map((w) => Array.from(w.variable.read().dataSync(), Math.abs));

test('prunable weights are the conv, depthwise and dense kernels only', () => {
  const names = prunableWeights(model()).map((w) => w.variable.originalName);
  assert.deepEqual(names, ['conv/kernel', 'dw/depthwise_kernel', 'head/kernel']);
});

test('global pruning removes the smallest magnitudes across all kernels', () => {
  const m = model();
  const before = magnitudes(m).flat();
  const pruner = new MagnitudePruner(m, 'global');
  pruner.prune(0.6);
  const report = pruner.report();
  assert.equal(report.zeros, Math.floor(0.6 * before.length));
  const after = magnitudes(m).flat();
  const kept = before.filter((_, i) => after[i] !== 0);
  const gone = before.filter((_, i) => after[i] === 0);
  assert.ok(Math.min(...kept) > Math.max(...gone), 'every kept weight outweighs every pruned one');
  const byLayer = new Map(report.layers.map((l) => [l.layer, l.sparsity]));
  assert.ok(byLayer.get('dw')! < byLayer.get('conv')!, 'the large-scale layer keeps more');
  pruner.dispose();
});

test('layer scope prunes every kernel to the same share', () => {
  const m = model();
  const pruner = new MagnitudePruner(m, 'layer');
  pruner.prune(0.5);
  for (const l of pruner.report().layers) assert.equal(l.zeros, Math.floor(0.5 * l.size));
  pruner.dispose();
});

test('masks hold through real optimizer steps and reach the scheduled sparsity', async () => {
  const m = model();
  const rng = new Rng(2);
  const batches = Array.from({ length: 4 }, () => ({
    x: Array.from({ length: 8 * 8 * 8 * 3 }, () => rng.normal()),
    labels: Int32Array.from({ length: 8 }, () => rng.int(4)),
  }));
  const train = {
    numBatches: batches.length,
    async *epoch() {
      for (const b of batches)
        yield { x: tf.tensor4d(b.x, [8, 8, 8, 3]), labels: b.labels, samples: [...b.labels] };
    },
  };
  const schedule = { initial: 0, final: 0.7, beginStep: 0, endStep: 8, frequency: 2 };
  const pruner = new MagnitudePruner(m, 'global');
  const seen: number[] = [];
  await fit({
    model: m,
    optimizer: new AdamW(buildParamGroups(m, { weightDecay: 0.01 })),
    train,
    epochs: 3,
    seed: 0,
    schedule: { kind: 'constant', lr: 0.05 },
    loss: (batch) => {
      const logits = m.apply(batch.x, { training: true }) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 4),
        logits,
      ) as tf.Scalar;
    },
    callbacks: [
      pruner.callback(schedule),
      {
        onBatchEnd: ({ step }) =>
          void seen.push(pruner.report().sparsity - sparsityAt(step, schedule)),
      },
    ],
  });
  // After every step, the sparsity is the schedule's (up to rounding to whole weights).
  const total = pruner.report().size;
  for (const gap of seen) assert.ok(Math.abs(gap) <= 1 / total + 1e-9, `gap ${gap}`);
  assert.equal(pruner.report().zeros, Math.floor(0.7 * total));
  pruner.dispose();
});

test('a resumed pruner takes its masks from the restored zeros', () => {
  const m = model();
  const first = new MagnitudePruner(m);
  first.prune(0.5);
  const zeros = first.report().zeros;
  first.dispose();
  const resumed = new MagnitudePruner(m);
  resumed.adoptZeros();
  for (const w of resumed.weights) w.variable.write(tf.add(w.variable.read(), 1));
  resumed.apply();
  assert.equal(resumed.report().zeros, zeros);
  resumed.dispose();
});
