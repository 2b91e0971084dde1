import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import { loadBundle, saveBundle } from '../../bundle/bundle.js';
import { initEngine } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import type { EmbeddingSet } from '../embed.js';
import { trainLinearHead } from './linear-head.js';

await initEngine({ backend: 'wasm' });

/** Three classes separated along a few features, on wildly different feature scales. */
function synthetic(n: number, dim: number, seed: number): EmbeddingSet {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const embeddings = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const signal = j % 3 === labels[i] && j < 6 ? 2 : 0;
      embeddings[i * dim + j] = (signal + rng.normal()) * 10 ** ((j % 4) - 1) + 50;
    }
  }
  return {
    ids: Array.from(labels, (_, i) => `s${i}`),
    labels,
    embeddings,
    dim,
  };
}

test('a linear head learns standardized embeddings and reports validation metrics per epoch', async () => {
  const train = synthetic(150, 12, 1);
  const val = synthetic(60, 12, 2);
  const head = await trainLinearHead(train, val, { classes: 3, epochs: 15, seed: 3 });
  const last = head.result.history.at(-1)!;
  assert.ok((last.val_accuracy as number) > 0.8, `val accuracy ${last.val_accuracy} (chance: 1/3)`);
  assert.ok(head.result.history.every((r) => typeof r.val_loss === 'number'));
});

test('the head applied to a backbone gives the trained logits, and survives a bundle round trip folded', async () => {
  const { model: embed, config } = await createModel('resnet_tiny', { inputSize: 32, seed: 4 });
  const images = tf.randomUniform([12, 32, 32, 3], -1, 1, 'float32', 5);
  const features = embed.predict(images) as tf.Tensor2D;
  const set: EmbeddingSet = {
    ids: Array.from({ length: 12 }, (_, i) => `img${i}`),
    labels: Int32Array.from({ length: 12 }, (_, i) => i % 2),
    embeddings: features.dataSync() as Float32Array,
    dim: features.shape[1],
  };
  const head = await trainLinearHead(set, undefined, {
    classes: 2,
    epochs: 3,
    hidden: 8,
    dropRate: 0.2,
    seed: 1,
  });
  const classifier = tf.model({
    inputs: embed.inputs,
    outputs: head.apply(embed.outputs[0] as tf.SymbolicTensor),
  });
  const direct = (head.model.predict(features) as tf.Tensor).dataSync();
  const composed = (classifier.predict(images) as tf.Tensor).dataSync();
  for (const [i, v] of composed.entries()) {
    assert.ok(Math.abs(v - direct[i]) < 1e-4, `logit ${i}: ${v} vs ${direct[i]}`);
  }

  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'vt-linear-')), 'bundle');
  await saveBundle(dir, classifier, {
    task: 'classification',
    labels: ['a', 'b'],
    preprocessing: { ...config, cropPct: 1 },
    backbone: { name: 'resnet_tiny' },
    training: {},
    metrics: {},
  });
  // Saved with the standardization folded into the hidden Dense: equal up to float32 rounding.
  const loaded = await loadBundle(dir);
  assert.ok(!loaded.model.layers.some((l) => l.getClassName() === 'VisiontuneStandardize'));
  const again = (loaded.model.predict(images) as tf.Tensor).dataSync();
  const scale = Math.max(...composed.map(Math.abs));
  for (const [i, v] of again.entries()) {
    assert.ok(Math.abs(v - composed[i]) <= 1e-5 * scale, `logit ${i}: ${v} vs ${composed[i]}`);
  }
});
