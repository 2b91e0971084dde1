import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import { fixedLoader } from '../../train/test-loaders.js';
import { Rng } from '../../util/rng.js';
import { reestimateBatchNorm } from './batchnorm-stats.js';

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
  const count = await reestimateBatchNorm(model, fixedLoader(batches));
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
