// Proto-MAML head init (Triantafillou et al. 2020) for MAML and ANIL: the head starts as the
// support set's prototype classifier (checked against a float64 distance computation), the
// meta-gradient reaches the body through the prototypes (second order and first order, each
// against a finite difference of its own definition), and predicting frees what it made.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import { Rng } from '../../../util/rng.js';
import type { EpisodeTensors } from '../learner.js';
import { createAnil } from './anil.js';
import {
  adaptSgd,
  createMaml,
  HEAD_FEATURE_SCALE,
  HeadedModel,
  headLogits,
  metaGradients,
  prototypeHead,
} from './maml.js';
import { clusterEpisodes, denseNetwork, disposeEpisodes } from './maml-test-support.js';
import { crossEntropyTwice } from './second-order.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const dot = (a: tf.Tensor[], b: tf.Tensor[]) =>
  a.reduce((s, t, i) => s + tf.tidy(() => tf.sum(tf.mul(t, b[i]!)).dataSync()[0]!), 0);

test('the prototype head gives −(s/2)·‖e − m_c‖² + s/2 on unit embeddings (float64 reference)', () => {
  const rng = new Rng(4);
  const [dim, ways, shots, nq] = [6, 3, 2, 5];
  const rows = (n: number) =>
    Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.normal() * 3));
  const support = rows(ways * shots);
  const labels = Int32Array.from({ length: ways * shots }, (_, i) => i % ways);
  const query = rows(nq);
  const [kernel, bias] = prototypeHead(tf.tensor2d(support), labels, ways) as [
    tf.Tensor,
    tf.Tensor,
  ];
  const got = headLogits(tf.tensor2d(query), kernel, bias, ways).arraySync();
  const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const means = Array.from({ length: ways }, (_, c) => {
    const members = support.filter((_, i) => labels[i] === c).map(unit);
    return Array.from(
      { length: dim },
      (_, j) => members.reduce((s, m) => s + m[j]!, 0) / members.length,
    );
  });
  const s = HEAD_FEATURE_SCALE;
  query.forEach((q, i) => {
    const e = unit(q);
    means.forEach((m, c) => {
      const d2 = e.reduce((acc, x, j) => acc + (x - m[j]!) ** 2, 0);
      const want = (-s / 2) * d2 + s / 2;
      assert.ok(
        Math.abs(got[i]![c]! - want) < 1e-4,
        `query ${i} class ${c}: ${got[i]![c]} vs ${want}`,
      );
    });
  });
  tf.dispose([kernel, bias]);
});

/** d/dh of `lossAt(h)` by central differences. */
const finiteDifference = (lossAt: (h: number) => number, h = 1e-3) =>
  (lossAt(h) - lossAt(-h)) / (2 * h);

test('Proto-ANIL second-order meta-gradient reaches the body through the prototypes (= finite difference)', async () => {
  const model = new HeadedModel(denseNetwork(3), 3, 7, 'prototypes');
  const [e] = clusterEpisodes(1, 21, { noise: 1 }) as [EpisodeTensors];
  const support = { x: e.support, labels: e.supportLabels, ways: e.ways };
  const opts = { steps: 3, lr: 0.5, scope: 'head' as const };
  const so = await metaGradients(model, [e], { ...opts, firstOrder: false });
  const vars = model.variables();
  const u = vars.map((v, i) =>
    i < model.bodyCount ? tf.randomNormal(v.shape, 0, 1, 'float32', 300 + i) : tf.zerosLike(v),
  );
  const lossAt = (h: number) =>
    tf.tidy(() => {
      const params = vars.map((v, i) => tf.add(v, tf.mul(u[i]!, h)));
      const fast = adaptSgd(model, model.taskParams(params, support), support, {
        ...opts,
        differentiable: false,
      });
      return crossEntropyTwice(
        model.logits(fast, e.query, e.ways),
        e.queryLabels,
        e.ways,
      ).dataSync()[0]!;
    });
  const fd = finiteDifference(lossAt);
  const g = dot(so.grads, u);
  assert.ok(Math.abs(g - fd) < 0.01 * Math.abs(fd), `second order ${g} vs finite difference ${fd}`);
  // The learned head init is not used: its gradient is zero.
  for (const i of [model.bodyCount, model.bodyCount + 1])
    assert.equal(tf.max(tf.abs(so.grads[i]!)).dataSync()[0], 0);
  tf.dispose([...so.grads, ...u]);
  disposeEpisodes([e]);
  model.dispose();
});

test('first-order Proto-MAML: the gradient of L(init(θ) + Δ) with the inner step Δ held constant', async () => {
  const model = new HeadedModel(denseNetwork(5), 3, 7, 'prototypes');
  const [e] = clusterEpisodes(1, 22, { noise: 1 }) as [EpisodeTensors];
  const support = { x: e.support, labels: e.supportLabels, ways: e.ways };
  const opts = { steps: 2, lr: 0.1, scope: 'all' as const };
  const fo = await metaGradients(model, [e], { ...opts, firstOrder: true });
  const vars = model.variables();
  const delta = tf.tidy(() => {
    const init = model.taskParams(vars, support);
    const fast = adaptSgd(model, init, support, { ...opts, differentiable: false });
    return fast.map((f, i) => tf.sub(f, init[i]!));
  });
  const u = vars.map((v, i) =>
    i < model.bodyCount ? tf.randomNormal(v.shape, 0, 1, 'float32', 400 + i) : tf.zerosLike(v),
  );
  const lossAt = (h: number) =>
    tf.tidy(() => {
      const params = vars.map((v, i) => tf.add(v, tf.mul(u[i]!, h)));
      const moved = model.taskParams(params, support).map((p, i) => tf.add(p, delta[i]!));
      return crossEntropyTwice(
        model.logits(moved, e.query, e.ways),
        e.queryLabels,
        e.ways,
      ).dataSync()[0]!;
    });
  const fd = finiteDifference(lossAt);
  const g = dot(fo.grads, u);
  assert.ok(Math.abs(g - fd) < 0.01 * Math.abs(fd), `first order ${g} vs finite difference ${fd}`);
  tf.dispose([...fo.grads, ...u, ...delta]);
  disposeEpisodes([e]);
  model.dispose();
});

test('Proto-ANIL with no test steps is the nearest unit-length prototype; predicting leaks nothing', async () => {
  const network = denseNetwork(6);
  const anil = createAnil(network, { headInit: 'prototypes', testInnerSteps: 1, innerSteps: 1 });
  const maml = createMaml(network, { headInit: 'prototypes', innerSteps: 2 });
  const episodes = clusterEpisodes(3, 23, { noise: 1 });
  for (const e of episodes) {
    const [s, q] = [anil.embed(e.support), anil.embed(e.query)];
    const before = tf.memory().numTensors;
    await anil.classify(s, e.supportLabels, q, e.ways);
    await maml.predict(e);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    tf.dispose([s, q]);
  }
  // Zero test steps: the prototype classifier itself.
  const zero = createAnil(network, { headInit: 'prototypes', testInnerSteps: 1, innerLr: 1e-12 });
  const e = episodes[0]!;
  const [s, q] = [zero.embed(e.support), zero.embed(e.query)];
  const predicted = await zero.classify(s, e.supportLabels, q, e.ways);
  const unit = (t: tf.Tensor2D) =>
    tf.div(t, tf.norm(t, 'euclidean', 1, true)).arraySync() as number[][];
  const [us, uq] = [unit(s), unit(q)];
  const means = Array.from({ length: e.ways }, (_, c) => {
    const members = us.filter((_, i) => e.supportLabels[i] === c);
    return members[0]!.map((_, j) => members.reduce((acc, m) => acc + m[j]!, 0) / members.length);
  });
  uq.forEach((row, i) => {
    const d = means.map((m) => m.reduce((acc, x, j) => acc + (row[j]! - x) ** 2, 0));
    assert.equal(predicted[i], d.indexOf(Math.min(...d)), `query ${i}`);
  });
  tf.dispose([s, q]);
  for (const l of [anil, maml, zero]) l.dispose();
  disposeEpisodes(episodes);
});
