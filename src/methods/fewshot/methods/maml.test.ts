import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import { VisiontuneError } from '../../../errors.js';
import type { AdaptingLearner, EpisodeTensors } from '../learner.js';
import { accuracyOf, episodeCrossEntropy } from '../losses.js';
import { snapshotWeights } from './functional.js';
import { adaptSgd, createMaml, HeadedModel, type InnerScope, metaGradients } from './maml.js';
import {
  allValues,
  clusterEpisodes,
  denseNetwork,
  disposeEpisodes,
  headInput,
} from './maml-test-support.js';
import { resolveMamlOptions } from './options.js';
import { crossEntropyTwice } from './second-order.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const dot = (a: tf.Tensor[], b: tf.Tensor[]) =>
  a.reduce((s, t, i) => s + tf.tidy(() => tf.sum(tf.mul(t, b[i]!)).dataSync()[0]!), 0);

/** `v` scaled to unit norm over all parameters. */
function unit(v: tf.Tensor[]): tf.Tensor[] {
  const norm = Math.sqrt(dot(v, v));
  return v.map((t) => tf.div(t, norm));
}

test('second-order meta-gradient = finite difference of the post-adaptation query loss; first order is not', async () => {
  const model = new HeadedModel(denseNetwork(3), 3, 7);
  const [e] = clusterEpisodes(1, 11, { noise: 1 }) as [EpisodeTensors];
  const support = { x: e.support, labels: e.supportLabels, ways: e.ways };
  const opts = { steps: 2, lr: 0.5, scope: 'all' as const };
  const so = await metaGradients(model, [e], { ...opts, firstOrder: false });
  const fo = await metaGradients(model, [e], { ...opts, firstOrder: true });
  const vars = model.variables();
  // Along the difference of the two meta-gradients: where the second-order term shows most.
  const u = unit(so.grads.map((g, i) => tf.sub(g, fo.grads[i]!)));
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
  const h = 1e-2;
  const fd = (lossAt(h) - lossAt(-h)) / (2 * h);
  const [gSo, gFo] = [dot(so.grads, u), dot(fo.grads, u)];
  assert.ok(
    Math.abs(gSo - fd) < 0.01 * Math.abs(fd),
    `second order ${gSo} vs finite difference ${fd}`,
  );
  assert.ok(Math.abs(gFo - fd) > 0.1 * Math.abs(fd), `first order ${gFo} should differ from ${fd}`);
  assert.ok(Math.abs(so.loss - fo.loss) < 1e-5, 'same post-adaptation loss');
  tf.dispose([...so.grads, ...fo.grads, ...u]);
  disposeEpisodes([e]);
  model.dispose();
});

for (const scope of ['all', 'head'] as InnerScope[]) {
  test(`FOMAML (${scope}): the query gradient at weights adapted in place by tf.train.sgd`, async () => {
    const net = denseNetwork(4, { activation: 'relu' });
    const model = new HeadedModel(net, 3, 8);
    const [e] = clusterEpisodes(1, 12) as [EpisodeTensors];
    const fo = await metaGradients(model, [e], { steps: 3, lr: 0.3, scope, firstOrder: true });
    // Independently: stock loss, stock optimizer, the body's own variables.
    const vars = model.variables();
    const logits = (x: tf.Tensor) =>
      tf.add(
        tf.matMul(
          headInput(net.body.apply(x, { training: true }) as tf.Tensor2D),
          model.kernel.slice([0, 0], [-1, e.ways]),
        ),
        model.bias.slice([0], [e.ways]),
      ) as tf.Tensor2D;
    const restore = snapshotWeights(vars);
    const sgd = tf.train.sgd(0.3);
    for (let s = 0; s < 3; s++)
      sgd.minimize(
        () => episodeCrossEntropy(logits(e.support), e.supportLabels, e.ways),
        false,
        scope === 'all' ? vars : [model.kernel, model.bias],
      );
    const query = tf.variableGrads(
      () => episodeCrossEntropy(logits(e.query), e.queryLabels, e.ways),
      vars,
    );
    restore();
    vars.forEach((v, i) => {
      const d = tf.tidy(
        () => tf.max(tf.abs(tf.sub(fo.grads[i]!, query.grads[v.name]!))).dataSync()[0]!,
      );
      assert.ok(d < 2e-6, `${v.name}: differs by ${d}`);
    });
    assert.ok(Math.abs(fo.loss - query.value.dataSync()[0]!) < 1e-5);
    tf.dispose([...fo.grads, query.value, ...Object.values(query.grads)]);
    sgd.dispose();
    disposeEpisodes([e]);
    model.dispose();
  });
}

async function meanAccuracy(learner: AdaptingLearner, episodes: EpisodeTensors[]) {
  let sum = 0;
  for (const e of episodes) sum += accuracyOf(await learner.predict(e), e.queryLabels);
  return sum / episodes.length;
}

test('predict leaves every weight (BatchNorm statistics too) exactly as it was; memory stays flat', async () => {
  const net = denseNetwork(5, { batchNorm: true });
  assert.ok(net.body.nonTrainableWeights.length === 2, 'moving mean and variance');
  const learner = createMaml(net, { innerSteps: 2, maxWays: 3, seed: 1 });
  const episodes = clusterEpisodes(2, 13);
  await learner.metaStep!(episodes); // Adam's slots are created on the first step
  const before = allValues(net, learner.metaVariables());
  let tensors = tf.memory().numTensors;
  await learner.predict(episodes[0]!);
  assert.deepEqual(allValues(net, learner.metaVariables()), before);
  assert.equal(tf.memory().numTensors, tensors, 'predict');
  await learner.metaStep!(episodes);
  assert.notDeepEqual(allValues(net, learner.metaVariables()), before, 'metaStep does update');
  tensors = tf.memory().numTensors;
  await learner.metaStep!(episodes);
  assert.equal(tf.memory().numTensors, tensors, 'metaStep');
  learner.dispose();
  disposeEpisodes(episodes);
});

for (const firstOrder of [true, false]) {
  test(`${firstOrder ? 'first' : 'second'}-order meta-training raises query accuracy on Gaussian clusters`, async () => {
    const learner = createMaml(denseNetwork(1), {
      innerSteps: 3,
      innerLr: 0.05,
      outerLr: 0.01,
      firstOrder,
      maxWays: 3,
      seed: 2,
    });
    assert.equal(learner.describe().order, firstOrder ? 'first' : 'second');
    const test = clusterEpisodes(20, 99);
    const start = await meanAccuracy(learner, test);
    const tensors = tf.memory().numTensors;
    for (let s = 0; s < 120; s++) {
      const batch = clusterEpisodes(4, 1000 + s);
      await learner.metaStep!(batch);
      disposeEpisodes(batch);
    }
    const end = await meanAccuracy(learner, test);
    assert.ok(end > start + 0.2, `accuracy ${start} -> ${end}`);
    assert.ok(
      tf.memory().numTensors - tensors <= 2 * learner.metaVariables().length,
      'Adam slots only',
    );
    learner.dispose();
    disposeEpisodes(test);
  });
}

test('second order on a conv body is a usage error naming the blocking kernels', () => {
  const body = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  const before = body.getWeights().map((w) => w.dataSync().slice());
  assert.throws(
    () => createMaml({ body, embeddingDim: 3 }, { firstOrder: false }),
    (err: unknown) =>
      err instanceof VisiontuneError &&
      err.code === 'BAD_USAGE' &&
      /Conv2DBackpropFilter/.test(err.message) &&
      /first order/.test(err.message) &&
      /anil/.test(err.message),
  );
  assert.deepEqual(
    body.getWeights().map((w) => w.dataSync().slice()),
    before,
  );
  const fo = createMaml({ body, embeddingDim: 3 }, { firstOrder: true });
  assert.equal(fo.describe().order, 'first');
  fo.dispose();
});

test('options: test steps default to twice the inner steps; too many ways is a usage error', async () => {
  assert.equal(resolveMamlOptions({}).testInnerSteps, 10);
  assert.equal(resolveMamlOptions({ innerSteps: 3 }).testInnerSteps, 6);
  assert.equal(resolveMamlOptions({ innerSteps: 3, testInnerSteps: 4 }).testInnerSteps, 4);
  assert.throws(() => resolveMamlOptions({ innerLr: 0 }), /innerLr/);
  const learner = createMaml(denseNetwork(1), { maxWays: 3 });
  const episodes = clusterEpisodes(1, 5, { ways: 4 });
  await assert.rejects(learner.metaStep!(episodes), /4-way episode, but the head has 3 outputs/);
  await assert.rejects(learner.predict(episodes[0]!), /maxWays/);
  learner.dispose();
  disposeEpisodes(episodes);
});
