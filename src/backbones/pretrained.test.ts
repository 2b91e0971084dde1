// The pretrained MobileNetV2 really carries nsfwjs's weights: every body weight equals the
// manifest's uint8 bytes dequantized (min + scale * q), and outputs are deterministic and differ
// from a random init.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from './create-model.js';
import { buildMobilenetV2 } from './mobilenet-v2.js';
import { nsfwjsModelJson, nsfwjsWeightData } from './nsfwjs-weights.js';
import { setupBackend } from './test-setup.js';

await setupBackend();

const BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2, float32: 4, int32: 4 };

test('every mobilenet_v2 body weight is the manifest bytes dequantized', async () => {
  const json = await nsfwjsModelJson('mobilenet_v2');
  const bytes = new Uint8Array(await nsfwjsWeightData('mobilenet_v2', json));
  const expected = new Map<string, { data: Float32Array; min: number; scale: number }>();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    assert.ok(
      q && q.dtype === 'uint8' && q.min !== undefined && q.scale !== undefined,
      `${spec.name} is uint8-quantized`,
    );
    const data = Float32Array.from(
      bytes.subarray(offset, offset + size),
      (v) => (q.min as number) + (q.scale as number) * v,
    );
    expected.set(spec.name, { data, min: q.min as number, scale: q.scale as number });
    offset += size * BYTES[q.dtype];
  }
  assert.equal(offset, bytes.byteLength, 'manifest covers the shard exactly');

  const body = await buildMobilenetV2({ pretrained: true });
  assert.equal(body.weights.length, 260, 'the 5-class head (3 dense layers) is gone');
  for (const w of body.weights) {
    const want = expected.get(w.originalName);
    assert.ok(want, `${w.originalName} is in the manifest`);
    const got = w.read().dataSync() as Float32Array;
    assert.equal(got.length, want.data.length);
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want.data[i]));
    assert.ok(
      maxErr <= 1e-5 * Math.max(1, Math.abs(want.min) + 255 * want.scale),
      `${w.originalName}: max error ${maxErr}`,
    );
  }
  // Spot-check the scale on the first conv: its range spans the quantization grid.
  const conv1 = body.getLayer('Conv1').getWeights()[0].dataSync();
  const c1 = expected.get('Conv1/kernel');
  assert.ok(c1);
  assert.ok(
    Math.min(...conv1) >= c1.min - 1e-6 && Math.max(...conv1) <= c1.min + 255 * c1.scale + 1e-6,
  );
  body.dispose();
});

test('pretrained embeddings are deterministic and differ from random init', async () => {
  const x = tf.randomUniform([1, 96, 96, 3], 0, 1, 'float32', 5);
  const embed = async (pretrained: boolean, seed?: number) => {
    const { model } = await createModel('mobilenet_v2', { pretrained, inputSize: 96, seed });
    const y = Array.from((model.predict(x) as tf.Tensor).dataSync());
    model.dispose();
    return y;
  };
  const a = await embed(true);
  const b = await embed(true);
  const r1 = await embed(false, 7);
  const r2 = await embed(false, 7);
  assert.deepEqual(a, b);
  assert.deepEqual(r1, r2, 'pretrained: false with a seed is reproducible');
  const diff = a.reduce((s, v, i) => s + Math.abs(v - r1[i]), 0) / a.length;
  assert.ok(diff > 1e-3, `pretrained and random differ (mean |diff| ${diff})`);
  x.dispose();
});

test('embeddingLayer is choosable: block_12_add pools to 96-d', async () => {
  const { model, config } = await createModel('mobilenet_v2', {
    inputSize: 96,
    embeddingLayer: 'block_12_add',
  });
  assert.equal(config.embeddingLayer, 'block_12_add');
  assert.equal(config.embeddingDim, 96);
  assert.deepEqual(model.outputs[0].shape, [null, 96]);
  model.dispose();
});
