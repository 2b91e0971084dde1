import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import type { EmbeddingLearner, EpisodeTensors } from '../learner.js';
import { accuracyOf } from '../losses.js';
import type { FewShotNetwork } from '../network.js';
import { clusterEpisodes, denseNetwork, disposeEpisodes } from './maml-test-support.js';
import { createProtonet } from './protonet.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const network = (seed: number) => denseNetwork(seed) as unknown as FewShotNetwork;

async function meanAccuracy(learner: EmbeddingLearner, episodes: EpisodeTensors[]) {
  let sum = 0;
  for (const e of episodes) {
    const [s, q] = [learner.embed(e.support), learner.embed(e.query)];
    sum += accuracyOf(await learner.classify(s, e.supportLabels, q, e.ways), e.queryLabels);
    tf.dispose([s, q]);
  }
  return sum / episodes.length;
}

test('the first step reports the cross-entropy of scaled −squared distances to the support means (float64 reference)', async () => {
  const net = network(4);
  const learner = createProtonet(net, { lr: 0.01 });
  const [e] = clusterEpisodes(1, 21) as [EpisodeTensors];
  const emb = (net.body.predict(tf.concat([e.support, e.query])) as tf.Tensor2D).arraySync();
  const ns = e.supportLabels.length;
  const protos = Array.from({ length: e.ways }, (_, c) => {
    const rows = emb.slice(0, ns).filter((_, i) => e.supportLabels[i] === c);
    return rows[0]!.map((_, j) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length);
  });
  const d2 = emb
    .slice(ns)
    .map((q) => protos.map((p) => p.reduce((a, v, j) => a + (q[j]! - v) ** 2, 0)));
  const scale = 5 / (d2.flat().reduce((a, v) => a + v, 0) / d2.flat().length);
  const ce =
    d2.reduce((sum, row, i) => {
      const logits = row.map((v) => -scale * v);
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0));
      return sum + lse - logits[e.queryLabels[i]!]!;
    }, 0) / d2.length;
  const { loss } = await learner.metaStep!([e]);
  assert.ok(Math.abs(loss - ce) < 1e-4 * Math.max(1, ce), `${loss} vs ${ce}`);
  learner.dispose();
  disposeEpisodes([e]);
});

test('meta-training raises the accuracy of nearest-prototype classification on Gaussian clusters; memory flat', async () => {
  const learner = createProtonet(network(1), { lr: 0.02 });
  const test = clusterEpisodes(20, 99);
  const start = await meanAccuracy(learner, test);
  let tensors = 0;
  for (let s = 0; s < 80; s++) {
    const batch = clusterEpisodes(4, 1000 + s);
    await learner.metaStep!(batch);
    disposeEpisodes(batch);
    if (s === 1) tensors = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, tensors);
  const end = await meanAccuracy(learner, test);
  assert.ok(end > start + 0.15, `accuracy ${start} -> ${end}`);
  learner.dispose();
  disposeEpisodes(test);
});
