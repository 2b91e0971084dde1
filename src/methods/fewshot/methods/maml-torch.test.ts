// The MAML family on the torch engine: what blocks second order there (our fused gradient kernels
// on top of tfjs's missing ones), meta-gradients that agree with the cpu backend, and predict()
// leaving the fused BatchNorm's moving statistics alone. Skipped where the addon is not built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backendsUnderTest, useBackend } from '../../../engine/wasm-kernels/testing.js';
import type { EpisodeTensors } from '../learner.js';
import { createFewShotNetwork } from '../network.js';
import { createAnil } from './anil.js';
import { createMaml, HeadedModel, metaGradients, probeSecondOrder } from './maml.js';
import { allValues, denseNetwork, disposeEpisodes } from './maml-test-support.js';

const skip = backendsUnderTest().includes('torch') ? false : 'torch engine unavailable';

const resnetTiny = (freezeBatchNorm: boolean) =>
  createFewShotNetwork({
    backbone: 'resnet_tiny',
    pretrained: false,
    inputSize: 32,
    unfreeze: 2,
    freezeBatchNorm,
    seed: 1,
  });

function episode(shape: number[], seed: number): EpisodeTensors {
  return {
    support: tf.randomNormal([3, ...shape], 0, 1, 'float32', seed),
    supportLabels: Int32Array.from([0, 1, 2]),
    query: tf.randomNormal([6, ...shape], 0, 1, 'float32', seed + 1),
    queryLabels: Int32Array.from([0, 1, 2, 2, 1, 0]),
    ways: 3,
  };
}

test('torch: the fused gradient kernels block second order too; a smooth Dense body does not', {
  skip,
}, async () => {
  await useBackend('torch');
  const blockers = async (freezeBatchNorm: boolean) => {
    const model = new HeadedModel(await resnetTiny(freezeBatchNorm), 5, 1);
    const report = probeSecondOrder(model, 'all');
    model.dispose();
    return report;
  };
  assert.deepEqual(await blockers(true), {
    noGradient: ['Conv2DBackpropFilter', 'VisiontuneReluGrad'],
    savedOutput: [],
  });
  assert.deepEqual(await blockers(false), {
    noGradient: ['Conv2DBackpropFilter', 'VisiontuneBatchNormTrainingGrad', 'VisiontuneReluGrad'],
    savedOutput: ['VisiontuneBatchNormTraining'],
  });
  const relu = new HeadedModel(denseNetwork(1, { activation: 'relu' }), 3, 1);
  assert.deepEqual(probeSecondOrder(relu, 'all').noGradient, ['VisiontuneReluGrad']);
  relu.dispose();
  const smooth = createMaml(denseNetwork(1), { firstOrder: false, maxWays: 3 });
  assert.equal(smooth.describe().order, 'second');
  smooth.dispose();
});

test('torch: FOMAML and second-order ANIL meta-gradients agree with the cpu backend', {
  skip,
}, async () => {
  const settings = [
    { steps: 2, lr: 0.05, scope: 'all' as const, firstOrder: true },
    { steps: 2, lr: 0.3, scope: 'head' as const, firstOrder: false },
  ];
  // The same seeded network and episode built on each backend (torch reads only its own tensors).
  const run = async (backend: 'cpu' | 'torch') => {
    await useBackend(backend);
    const net = await resnetTiny(true);
    const model = new HeadedModel(net, 3, 2);
    const episodes = [episode(net.body.inputs[0]!.shape.slice(1) as number[], 1)];
    const out = [];
    for (const s of settings) {
      const r = await metaGradients(model, episodes, s);
      out.push(r.grads.map((g) => g.dataSync().slice()));
      tf.dispose(r.grads);
    }
    model.dispose();
    disposeEpisodes(episodes);
    return out;
  };
  const [cpu, torch] = [await run('cpu'), await run('torch')];
  cpu.forEach((grads, k) => {
    grads.forEach((g, i) => {
      const t = torch[k]![i]!;
      let [scale, worst] = [1e-6, 0];
      g.forEach((v, j) => {
        scale = Math.max(scale, Math.abs(v));
        worst = Math.max(worst, Math.abs(v - t[j]!));
      });
      assert.ok(worst / scale < 1e-3, `setting ${k}, weight ${i}: relative error ${worst / scale}`);
    });
  });
});

test('torch: predict and classify leave the fused BatchNorm statistics and every weight alone', {
  skip,
}, async () => {
  await useBackend('torch');
  const net = await resnetTiny(false);
  const shape = net.body.inputs[0]!.shape.slice(1) as number[];
  const episodes = [episode(shape, 5)];
  const e = episodes[0]!;
  const maml = createMaml(net, { innerSteps: 1, testInnerSteps: 2, maxWays: 3 });
  const anil = createAnil(net, { innerSteps: 1, testInnerSteps: 2, maxWays: 3 });
  await maml.metaStep!(episodes);
  const before = allValues(net, [...maml.metaVariables(), ...anil.metaVariables()]);
  const tensors = tf.memory().numTensors;
  await maml.predict(e);
  const [s, q] = [anil.embed(e.support), anil.embed(e.query)];
  await anil.classify(s, e.supportLabels, q, 3);
  tf.dispose([s, q]);
  assert.deepEqual(allValues(net, [...maml.metaVariables(), ...anil.metaVariables()]), before);
  assert.equal(tf.memory().numTensors, tensors);
  maml.dispose();
  anil.dispose();
  disposeEpisodes(episodes);
});
