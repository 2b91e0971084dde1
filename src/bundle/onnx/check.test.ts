// The export check's tolerance follows the output's scale: a correct export of a model with
// outputs in the thousands passes although float32 rounding differs by more than 1e-4 there, and
// a wrong export (weights off by 0.1%, one bias off by 1% of the output) still fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { checkOnnxExport, EXPORT_TOLERANCE, exportTolerance } from './check.js';
import { layersModelToOnnx } from './export-model.js';

await tf.setBackend('cpu');

/** A 1280-wide Dense (the width of MobileNetV2's embedding) with logits of order 1e4. */
function wideDense(kernel: Float32Array, bias: Float32Array): tf.LayersModel {
  const input = tf.input({ shape: [1280] });
  const dense = tf.layers.dense({
    units: 10,
    weights: [tf.tensor2d(kernel, [1280, 10]), tf.tensor1d(bias)],
  });
  return tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
}

const rng = new Rng(1);
const kernel = Float32Array.from({ length: 12800 }, () => 100 * rng.normal());
const bias = Float32Array.from({ length: 10 }, () => 100 * rng.normal());
const model = wideDense(kernel, bias);

test('the tolerance is the absolute floor up to outputs of order 1, then relative', () => {
  assert.equal(exportTolerance(0), EXPORT_TOLERANCE.absolute);
  assert.equal(exportTolerance(0.5), EXPORT_TOLERANCE.absolute);
  assert.equal(exportTolerance(3000), 3000 * EXPORT_TOLERANCE.relative);
});

test('a correct export of a large-output model passes', async () => {
  const check = await checkOnnxExport(model, layersModelToOnnx(model), { batch: 4 });
  assert.ok(check.maxAbs > 1000, `max |output| ${check.maxAbs}`);
  // Float32 rounding alone is beyond an absolute 1e-4 at this scale, well within the relative bound.
  assert.ok(check.maxAbsError > EXPORT_TOLERANCE.absolute, `error ${check.maxAbsError}`);
  assert.ok(check.passed, `error ${check.maxAbsError}, tolerance ${check.tolerance}`);
  assert.equal(check.tolerance, exportTolerance(check.maxAbs));
});

test('a wrong export of the same model fails', async () => {
  const wrongs = {
    'kernel 0.1% off': wideDense(
      kernel.map((w) => w * 1.001),
      bias,
    ),
    'one bias off by 1% of the output': wideDense(
      kernel,
      bias.map((b, k) => (k === 3 ? b + 100 : b)),
    ),
  };
  for (const [what, wrong] of Object.entries(wrongs)) {
    const check = await checkOnnxExport(model, layersModelToOnnx(wrong), { batch: 4 });
    assert.ok(!check.passed, `${what}: error ${check.maxAbsError}, tolerance ${check.tolerance}`);
  }
});
