// mergePeft: LoRA folded into plain layers of the same names gives the LoRA model's outputs
// (≤ 1e-5) with B trained away from zero; adapters and BitFit models come back as they are. ONNX
// export of a LoRA model is the export of its merged model, and both run in ONNX Runtime as in
// TF.js.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import type { BlockRule } from '../../backbones/types.js';
import { layersModelToOnnx } from '../../bundle/onnx/export-model.js';
import { compareWithOnnx } from '../../bundle/onnx/test-models.js';
import { applyPeft } from './apply.js';
import { mergePeft } from './merge.js';

let base: tf.LayersModel;
let blocks: BlockRule | undefined;
const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 2);

before(async () => {
  const created = await createModel('resnet_tiny', {
    pretrained: false,
    inputSize: 32,
    numClasses: 5,
  });
  base = created.model;
  blocks = created.entry.blocks;
});

/** Moves every PEFT weight off its initial value, as training would. */
function perturb(model: tf.LayersModel, pattern: RegExp): void {
  let seed = 1;
  for (const w of model.weights)
    if (pattern.test(w.originalName))
      w.write(tf.randomNormal(w.shape as number[], 0, 0.05, 'float32', seed++));
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

test('merged LoRA: plain Conv2D / Dense layers of the same names, the same outputs', async () => {
  const { model } = await applyPeft(base, { method: 'lora', rank: 4, alpha: 8, blocks });
  perturb(model, /lora_b$/);
  const before = model.predict(x) as tf.Tensor;
  assert.ok(maxDiff(before, base.predict(x) as tf.Tensor) > 1e-3, 'B moved the outputs');
  const merged = await mergePeft(model);
  assert.ok(!merged.layers.some((l) => /Lora/.test(l.getClassName())));
  assert.deepEqual(
    merged.layers.map((l) => l.name),
    model.layers.map((l) => l.name),
  );
  assert.deepEqual(
    merged.weights.map((w) => w.originalName).sort(),
    model.weights
      .map((w) => w.originalName)
      .filter((n) => !/lora_[ab]$/.test(n))
      .sort(),
  );
  const diff = maxDiff(before, merged.predict(x) as tf.Tensor);
  assert.ok(diff <= 1e-5, `merged differs by ${diff}`);
  // The export of the LoRA model is the merged model's, byte for byte.
  assert.deepEqual(
    layersModelToOnnx(model, { graphName: 'g' }),
    layersModelToOnnx(merged, { graphName: 'g' }),
  );
  const check = await compareWithOnnx(model);
  assert.ok(check.passed, `ONNX Runtime differs by ${check.maxAbsError}`);
});

test('adapters stay through merge and export to ONNX as a plain conv and add', async () => {
  const { model, summary } = await applyPeft(base, { method: 'adapter', blocks });
  assert.ok(summary.layers.length > 0);
  perturb(model, /_adapter\/kernel$/);
  const merged = await mergePeft(model);
  assert.ok(merged.layers.some((l) => l.name === summary.layers[0]));
  assert.equal(maxDiff(model.predict(x) as tf.Tensor, merged.predict(x) as tf.Tensor), 0);
  const check = await compareWithOnnx(model);
  assert.ok(check.passed, `ONNX Runtime differs by ${check.maxAbsError}`);
});
