import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import type { EmbeddingLearner, EpisodeTensors } from '../learner.js';
import { accuracyOf, argmaxRows, episodeCrossEntropy } from '../losses.js';
import { createAnil } from './anil.js';
import { adaptSgd, HeadedModel, metaGradients } from './maml.js';
import {
  allValues,
  clusterEpisodes,
  denseNetwork,
  disposeEpisodes,
  headInput,
} from './maml-test-support.js';
import { crossEntropyTwice } from './second-order.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const dot = (a: tf.Tensor[], b: tf.Tensor[]) =>
  a.reduce((s, t, i) => s + tf.tidy(() => tf.sum(tf.mul(t, b[i]!)).dataSync()[0]!), 0);

test('second order is the default, also on a conv body (the inner loop is the head only)', () => {
  const conv = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  for (const network of [denseNetwork(1), { body: conv, embeddingDim: 3 }]) {
    const learner = createAnil(network, {});
    assert.equal(learner.describe().order, 'second');
    learner.dispose();
  }
  const fo = createAnil(denseNetwork(1), { firstOrder: true });
  assert.equal(fo.describe().order, 'first');
  fo.dispose();
});

test('ANIL second-order meta-gradient (body and head init) = finite difference; first order differs', async () => {
  const model = new HeadedModel(denseNetwork(3), 3, 7);
  const [e] = clusterEpisodes(1, 21, { noise: 1 }) as [EpisodeTensors];
  const support = { x: e.support, labels: e.supportLabels, ways: e.ways };
  const opts = { steps: 3, lr: 0.5, scope: 'head' as const };
  const so = await metaGradients(model, [e], { ...opts, firstOrder: false });
  const fo = await metaGradients(model, [e], { ...opts, firstOrder: true });
  const vars = model.variables();
  // Along the body weights only: there the second-order term (through the support embeddings)
  // is the whole difference between the two.
  const u = vars.map((v, i) =>
    i < model.bodyCount ? tf.randomNormal(v.shape, 0, 1, 'float32', 200 + i) : tf.zerosLike(v),
  );
  const lossAt = (h: number) =>
    tf.tidy(() => {
      const params = vars.map((v, i) => tf.add(v, tf.mul(u[i]!, h)));
      const fast = adaptSgd(model, params, support, { ...opts, differentiable: false });
      return crossEntropyTwice(
        model.logits(fast, e.query, e.ways),
        e.queryLabels,
        e.ways,
      ).dataSync()[0]!;
    });
  const h = 1e-3;
  const fd = (lossAt(h) - lossAt(-h)) / (2 * h);
  const [gSo, gFo] = [dot(so.grads, u), dot(fo.grads, u)];
  assert.ok(
    Math.abs(gSo - fd) < 0.01 * Math.abs(fd),
    `second order ${gSo} vs finite difference ${fd}`,
  );
  assert.ok(Math.abs(gFo - fd) > 0.1 * Math.abs(fd), `first order ${gFo} should differ from ${fd}`);
  tf.dispose([...so.grads, ...fo.grads, ...u]);
  disposeEpisodes([e]);
  model.dispose();
});

async function classifyEpisode(learner: EmbeddingLearner, e: EpisodeTensors) {
  const [s, q] = [learner.embed(e.support), learner.embed(e.query)];
  const out = await learner.classify(s, e.supportLabels, q, e.ways);
  tf.dispose([s, q]);
  return out;
}

test('embed is the body in inference mode; classify fine-tunes a copy of the head init and changes nothing', async () => {
  const net = denseNetwork(5, { batchNorm: true });
  const learner = createAnil(net, {
    innerSteps: 2,
    testInnerSteps: 4,
    innerLr: 0.3,
    maxWays: 3,
    seed: 4,
  });
  const [e] = clusterEpisodes(1, 14) as [EpisodeTensors];
  await learner.metaStep!([e]); // moves the BatchNorm statistics away from their init
  const embedded = learner.embed(e.query);
  const expected = net.body.predict(e.query) as tf.Tensor;
  assert.equal(tf.max(tf.abs(tf.sub(embedded, expected))).dataSync()[0], 0);
  tf.dispose([embedded, expected]);
  const before = allValues(net, learner.metaVariables());
  const tensors = tf.memory().numTensors;
  const predicted = await classifyEpisode(learner, e);
  assert.deepEqual(allValues(net, learner.metaVariables()), before);
  assert.equal(tf.memory().numTensors, tensors);
  // Independently: tf.train.sgd on copies of the head init, stock loss.
  const [kernel, bias] = learner
    .metaVariables()
    .slice(-2)
    .map((v) => tf.variable(v.slice([0], [-1])));
  const [s, q] = [learner.embed(e.support), learner.embed(e.query)];
  const logits = (x: tf.Tensor) =>
    tf.add(
      tf.matMul(headInput(x), kernel!.slice([0, 0], [-1, e.ways])),
      bias!.slice([0], [e.ways]),
    ) as tf.Tensor2D;
  const sgd = tf.train.sgd(0.3);
  for (let i = 0; i < 4; i++)
    sgd.minimize(() => episodeCrossEntropy(logits(s), e.supportLabels, e.ways), false, [
      kernel!,
      bias!,
    ]);
  assert.deepEqual(predicted, await argmaxRows(logits(q)));
  tf.dispose([kernel!, bias!, s, q]);
  learner.dispose();
  disposeEpisodes([e]);
});

test('meta-training raises the accuracy of embed + classify on Gaussian clusters; memory flat', async () => {
  const learner = createAnil(denseNetwork(1), {
    innerSteps: 3,
    innerLr: 0.05,
    outerLr: 0.01,
    maxWays: 3,
    seed: 2,
  });
  const episodes = clusterEpisodes(20, 99);
  const accuracy = async () => {
    let sum = 0;
    for (const e of episodes) sum += accuracyOf(await classifyEpisode(learner, e), e.queryLabels);
    return sum / episodes.length;
  };
  const start = await accuracy();
  let tensors = 0;
  for (let s = 0; s < 100; s++) {
    const batch = clusterEpisodes(4, 1000 + s);
    await learner.metaStep!(batch);
    disposeEpisodes(batch);
    if (s === 0) tensors = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, tensors, 'metaStep');
  const end = await accuracy();
  assert.ok(end > start + 0.25, `accuracy ${start} -> ${end}`);
  learner.dispose();
  disposeEpisodes(episodes);
});
