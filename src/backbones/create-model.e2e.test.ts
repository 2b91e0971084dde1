// The factory's choices and its usage errors, on the small from-scratch bodies (fast).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { createModel } from './create-model.js';
import { setupBackend } from './test-setup.js';

await setupBackend();

const usageError = (text: string) => (e: unknown) =>
  e instanceof VisiontuneError && e.code === 'BAD_USAGE' && e.message.includes(text);

test('taps by stride and by layer name', async () => {
  const { model, config } = await createModel('mobilenet_v2_035', {
    featuresOnly: true,
    taps: [8, 'block_12_add'],
  });
  assert.deepEqual(config.taps, [
    { stride: 8, layer: 'block_6_expand_relu', channels: 96 },
    { stride: 16, layer: 'block_12_add', channels: 32 },
  ]);
  assert.deepEqual(
    model.outputs.map((o) => o.shape),
    [
      [null, 12, 12, 96],
      [null, 6, 6, 32],
    ],
  );
  model.dispose();
});

test('the same seed gives the same model', async () => {
  const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 1);
  const run = async (seed: number) => {
    const { model } = await createModel('resnet_tiny', { numClasses: 2, seed });
    const y = Array.from((model.predict(x) as tf.Tensor).dataSync());
    model.dispose();
    return y;
  };
  assert.deepEqual(await run(1), await run(1));
  assert.notDeepEqual(await run(1), await run(2));
  x.dispose();
});

test('usage errors name the option', async () => {
  await assert.rejects(createModel('resnet_tiny', { pretrained: true }), usageError('pretrained'));
  await assert.rejects(
    createModel('resnet_tiny', { featuresOnly: true, numClasses: 2 }),
    usageError('featuresOnly'),
  );
  await assert.rejects(createModel('resnet_tiny', { numClasses: 0 }), usageError('numClasses'));
  await assert.rejects(createModel('resnet_tiny', { inputSize: 16 }), usageError('inputSize'));
  await assert.rejects(createModel('inception_v3', { inputSize: 74 }), usageError('>= 75'));
  await assert.rejects(createModel('resnet_tiny', { cut: 'stage2_out' }), usageError('cut'));
  await assert.rejects(
    createModel('resnet_tiny', { embeddingLayer: 'nope' }),
    usageError("'nope'"),
  );
  await assert.rejects(createModel('nope_net'), usageError('known: mobilenet_v2'));
});

test("embeddingLayer 'a+b': each layer pooled, concatenated in the order named", async () => {
  const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 3);
  const pooled = async (layer: string) => {
    const { model, config } = await createModel('resnet_tiny', { embeddingLayer: layer, seed: 4 });
    const y = model.predict(x) as tf.Tensor2D;
    const out = { values: y.arraySync(), dim: config.embeddingDim, spec: config.embeddingLayer };
    y.dispose();
    model.dispose();
    return out;
  };
  const a = await pooled('stage1_out');
  const b = await pooled('stage3_out');
  const both = await pooled('stage3_out+stage1_out');
  assert.equal(both.spec, 'stage3_out+stage1_out');
  assert.equal(both.dim, a.dim + b.dim);
  both.values.forEach((row, i) => {
    const expected = [...b.values[i]!, ...a.values[i]!];
    row.forEach((v, j) => {
      assert.ok(Math.abs(v - expected[j]!) < 1e-5, `row ${i} col ${j}`);
    });
  });
  await assert.rejects(
    createModel('resnet_tiny', { embeddingLayer: 'stage1_out+nope' }),
    usageError("'nope'"),
  );
  x.dispose();
});
