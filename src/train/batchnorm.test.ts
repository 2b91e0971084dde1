import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../backbones/batchnorm-fix.js';
import { Rng } from '../util/rng.js';
import {
  batchNormLayers,
  freezeBatchNorm,
  reestimateBatchNormStats,
  setBatchNormMomentum,
} from './batchnorm.js';
import { fixedLoader } from './test-loaders.js';

await tf.setBackend('cpu');

test('moving statistics become the mean of the per-batch statistics over the images (float64 reference)', async () => {
  const input = tf.input({ shape: [2, 2, 3] });
  const bn = batchNormalization({ name: 'bn', momentum: 0.99 });
  const model = tf.model({ inputs: input, outputs: bn.apply(input) as tf.SymbolicTensor });
  bn.trainable = false; // frozen layers are re-estimated too, and stay frozen
  const rng = new Rng(4);
  const batches = [5, 5, 5].map((n, b) =>
    Float32Array.from({ length: n * 12 }, () => rng.normal() * (b + 1) + b),
  );
  const count = await reestimateBatchNormStats(model, fixedLoader(batches));
  assert.equal(count, 3);
  assert.equal(bn.trainable, false);
  assert.equal((bn as unknown as { momentum: number }).momentum, 0.99);

  // Reference: per channel, each batch's mean and biased variance (what tfjs-layers' moving
  // update uses), averaged over the batches.
  const mean = [0, 0, 0];
  const variance = [0, 0, 0];
  for (const data of batches) {
    const rows = data.length / 3;
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let i = 0; i < rows; i++) m += data[i * 3 + c]!;
      m /= rows;
      let v = 0;
      for (let i = 0; i < rows; i++) v += (data[i * 3 + c]! - m) ** 2;
      mean[c]! += m / batches.length;
      variance[c]! += v / rows / batches.length;
    }
  }
  const [, , movingMean, movingVariance] = bn.getWeights().map((w) => Array.from(w.dataSync()));
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(movingMean![c]! - mean[c]!) < 1e-4, `mean ${movingMean} vs ${mean}`);
    assert.ok(
      Math.abs(movingVariance![c]! - variance[c]!) < 1e-4 * Math.max(1, variance[c]!),
      `variance ${movingVariance} vs ${variance}`,
    );
  }
  model.dispose();
});

test('batchNormLayers finds the BatchNorms of a model or of a named part; freeze and momentum apply to those only', () => {
  const input = tf.input({ shape: [4, 4, 3] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv' });
  const inner = batchNormalization({ name: 'inner_bn', momentum: 0.99 });
  const outer = tf.layers.batchNormalization({ name: 'outer_bn', momentum: 0.99 });
  const output = outer.apply(inner.apply(conv.apply(input))) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  assert.deepEqual(
    batchNormLayers(model).map((l) => l.name),
    ['inner_bn', 'outer_bn'],
  );
  const part = batchNormLayers(model, new Set(['conv', 'inner_bn']));
  assert.deepEqual(
    part.map((l) => l.name),
    ['inner_bn'],
  );
  freezeBatchNorm(part);
  setBatchNormMomentum(part, 0.9);
  const momentum = (l: tf.layers.Layer) => (l as unknown as { momentum: number }).momentum;
  assert.deepEqual([inner.trainable, outer.trainable, conv.trainable], [false, true, true]);
  assert.deepEqual([momentum(inner), momentum(outer)], [0.9, 0.99]);
  model.dispose();
});
