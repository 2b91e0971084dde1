// Per-task gradients from one forward pass against one full backward pass per task, on a conv net
// with the project's BatchNorm and ReLU layers: on the cpu backend, and on the native torch
// engine (its fused batch-norm and ReLU-gradient kernels) where it is installed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../../backbones/batchnorm-fix.js';
import { reLU } from '../../../backbones/relu-layer.js';
import { initEngine } from '../../../engine/index.js';
import { loadTorchAddon } from '../../../engine/torch/addon.js';
import { Rng } from '../../../util/rng.js';
import { perTaskGradients } from './task-gradients.js';

const torch = loadTorchAddon();
if (!torch.ok && process.env.VISIONTUNE_REQUIRE_TORCH) {
  throw new Error(`VISIONTUNE_REQUIRE_TORCH is set but ${torch.reason}`);
}

/** input → conv → BatchNorm → ReLU → pool (shared) → a 3-class head and a 1-output head. */
function twoHeads(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [6, 6, 3] });
  let x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, name: 'trunk', kernelInitializer: init(1) })
    .apply(input) as tf.SymbolicTensor;
  x = batchNormalization({ name: 'trunk_bn' }).apply(x) as tf.SymbolicTensor;
  x = reLU({ name: 'trunk_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const a = tf.layers.dense({ units: 3, name: 'head_a_out', kernelInitializer: init(2) }).apply(x);
  const b = tf.layers.dense({ units: 1, name: 'head_b_out', kernelInitializer: init(3) }).apply(x);
  return tf.model({ inputs: input, outputs: [a, b] as tf.SymbolicTensor[] });
}

const values = (t: tf.Tensor | undefined) => Array.from(t!.dataSync());

for (const backend of ['cpu', 'torch'] as const) {
  test(`per-task gradients from one forward equal a backward pass per task; BatchNorm moves once (${backend})`, {
    skip: backend === 'torch' && !torch.ok ? `torch engine unavailable: ${torch.reason}` : false,
  }, async () => {
    await initEngine({ backend, threads: 1 });
    const model = twoHeads();
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const rng = new Rng(5);
    const x = tf.tensor4d(
      Array.from({ length: 4 * 6 * 6 * 3 }, () => rng.normal()),
      [4, 6, 6, 3],
    );
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const target = tf.tensor2d([1, -1, 0.5, 2], [4, 1]);
    const losses = (): tf.Scalar[] => {
      const [a, b] = model.apply(x, { training: true }) as tf.Tensor[];
      return [tf.losses.softmaxCrossEntropy(labels, a!), tf.losses.meanSquaredError(target, b!)];
    };
    const movingMean = () => values(model.getLayer('trunk_bn').getWeights()[2]);
    const start = model.getWeights().map((w) => w.clone());

    const separate = [0, 1].map((k) => tf.variableGrads(() => losses()[k]!, variables).grads);
    model.setWeights(start);
    const [la, lb] = tf.tidy(() => losses().map((l) => l.dataSync()[0]!));
    const oneForward = movingMean();
    assert.notDeepEqual(oneForward, [0, 0, 0, 0]); // one forward moves it (from zeros)

    model.setWeights(start);
    const before = tf.memory().numTensors;
    const { value, perTask } = perTaskGradients(losses, variables);
    assert.deepEqual(movingMean(), oneForward);
    const names = (...layers: string[]) =>
      layers.flatMap((l) =>
        model.getLayer(l).trainableWeights.map((w) => (w.read() as tf.Variable).name),
      );
    // Each task reaches the shared layers and its own head only.
    assert.deepEqual(
      Object.keys(perTask[0]!).sort(),
      names('trunk', 'trunk_bn', 'head_a_out').sort(),
    );
    assert.deepEqual(
      Object.keys(perTask[1]!).sort(),
      names('trunk', 'trunk_bn', 'head_b_out').sort(),
    );
    perTask.forEach((grads, k) => {
      for (const [name, g] of Object.entries(grads)) {
        const expected = values(separate[k]![name]);
        const got = values(g);
        const worst = Math.max(...got.map((v, i) => Math.abs(v - expected[i]!)));
        assert.ok(worst <= 1e-5, `task ${k} ${name}: off by ${worst}`);
      }
    });
    assert.ok(Math.abs(values(value)[0]! - (la! + lb!)) <= 1e-5);
    // Nothing left behind but what it returned.
    tf.dispose([value, ...perTask.flatMap(Object.values)]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, labels, target, ...start, ...separate.flatMap(Object.values)]);
  });
}
