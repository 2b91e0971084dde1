// End to end: a small conv net (conv2d, batchnorm, max-pool, depthwise, separable, dense)
// trained for 20 SGD steps on one fixed batch gives the same losses on wasm as on cpu from
// identical initial weights. This is what the kernels are for: tfjs-layers training on wasm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, randomValues, seeded, useBackend } from './testing.js';

const STEPS = 20;
const BATCH = 6;
const INPUT: [number, number, number] = [12, 12, 3];
const CLASSES = 3;

function buildModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: INPUT,
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.batchNormalization(),
      // Pooling batchnorm output (negative values) is what wasm's own MaxPoolGrad gets wrong.
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.separableConv2d({
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        activation: 'relu',
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  return model;
}

interface Run {
  losses: number[];
  initial: Float32Array[];
}

async function train(backend: BackendName, initial?: Float32Array[]): Promise<Run> {
  await useBackend(backend);
  const model = buildModel();
  if (initial) {
    model.setWeights(model.getWeights().map((w, k) => tf.tensor(initial[k]!, w.shape)));
  }
  const start = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const rand = seeded(2024);
  const x = tf.tensor4d(randomValues(BATCH * INPUT[0] * INPUT[1] * INPUT[2], rand), [
    BATCH,
    ...INPUT,
  ]);
  const labels = Array.from({ length: BATCH }, (_, k) => k % CLASSES);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    losses.push(Number(await model.trainOnBatch(x, y)));
  }
  tf.dispose([x, y]);
  model.dispose();
  return { losses, initial: start };
}

test('a small conv net trains identically on wasm and cpu', async () => {
  const cpu = await train('cpu');
  const wasm = await train('wasm', cpu.initial);
  let worst = 0;
  cpu.losses.forEach((expected, step) => {
    worst = Math.max(worst, Math.abs(wasm.losses[step]! - expected));
  });
  console.log(
    `e2e: cpu loss ${cpu.losses[0]!.toFixed(4)} -> ${cpu.losses.at(-1)!.toFixed(4)}, ` +
      `wasm ${wasm.losses[0]!.toFixed(4)} -> ${wasm.losses.at(-1)!.toFixed(4)}, ` +
      `max |difference| over ${STEPS} steps ${worst.toExponential(2)}`,
  );
  assert.ok(worst < 1e-3, `losses diverge by ${worst}`);
  // It actually learned, so the gradients were not all zero.
  assert.ok(cpu.losses.at(-1)! < cpu.losses[0]! * 0.7, `cpu did not learn: ${cpu.losses}`);
  assert.ok(Number.isFinite(wasm.losses.at(-1)!));
});
