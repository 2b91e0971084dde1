// LEEP / NCE from an imported model's own classifier head: a resnet_tiny classifier saved to
// disk (logits), and the same network ending in a softmax, must give the scores computed from
// the in-memory network's softmaxed outputs; a registry body has no head.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import { createLoader, evalTransform, openSource } from '../../data/index.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import type { DataSource } from '../../data/types.js';
import { initEngine } from '../../engine/index.js';
import { leep, nce } from './leep.js';
import { sourceHeadScores } from './source-head.js';

let work: string;
let source: DataSource;
let logits: tf.LayersModel;
before(async () => {
  await initEngine({});
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-source-head-'));
  await writeColorFolder(path.join(work, 'images'), 4, { size: 16 });
  source = await openSource(path.join(work, 'images'));
  ({ model: logits } = await createModel('resnet_tiny', { numClasses: 5, seed: 4, inputSize: 32 }));
  await logits.save(`file://${path.join(work, 'logits')}`);
  const softmax = tf.model({
    inputs: logits.inputs,
    outputs: tf.layers.softmax().apply(logits.outputs[0]!) as tf.SymbolicTensor,
  });
  await softmax.save(`file://${path.join(work, 'softmax')}`);
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('LEEP and NCE of a saved classifier equal those of its softmaxed outputs, logits or not', async () => {
  const samples = source.splits.train!;
  const { config } = await createModel('resnet_tiny', { inputSize: 32 });
  const loader = createLoader(source, samples, { batchSize: 8, transform: evalTransform(config) });
  const probabilities: number[] = [];
  const labels: number[] = [];
  for await (const batch of loader) {
    const p = tf.tidy(() => tf.softmax(logits.predict(batch.x) as tf.Tensor2D));
    probabilities.push(...p.dataSync());
    labels.push(...batch.labels);
    p.dispose();
    batch.x.dispose();
  }
  const input = { probabilities, sourceClasses: 5, labels, numClasses: 3 };
  for (const saved of ['logits', 'softmax']) {
    const got = await sourceHeadScores(path.join(work, saved), source, samples, 3, 8);
    assert.ok(got, saved);
    assert.equal(got.sourceClasses, 5);
    assert.ok(Math.abs(got.leep - leep(input)) < 1e-5, `${saved}: ${got.leep} vs ${leep(input)}`);
    assert.ok(Math.abs(got.nce - nce(input)) < 1e-9, `${saved}: ${got.nce} vs ${nce(input)}`);
  }
});

test('a registry backbone keeps no source head', async () => {
  assert.equal(await sourceHeadScores('resnet_tiny', source, source.splits.train!, 3), undefined);
});
