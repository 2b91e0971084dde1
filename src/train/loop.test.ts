import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createLoader } from '../data/loader.js';
import { evalTransform } from '../data/transforms/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { initEngine } from '../engine/index.js';
import { Rng } from '../util/rng.js';
import { assignWeights, loadLatestCheckpoint } from './checkpoint.js';
import { type FitConfig, fit, NonFiniteError } from './loop.js';
import { MetricsLog } from './metrics-log.js';
import { AdamW, buildParamGroups, SGD } from './optim/index.js';

await initEngine({ backend: 'wasm' });

const SIZE = 8;

/** In-memory images whose class is their dominant color channel: learnable in a few epochs. */
function colorSource(n: number): { source: DataSource; samples: Sample[] } {
  const rng = new Rng(11);
  const images = Array.from({ length: n }, (_, i) => {
    const label = i % 3;
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let p = 0; p < SIZE * SIZE; p++) {
      for (let c = 0; c < 3; c++) data[p * 3 + c] = rng.int(120) + (c === label ? 100 : 0);
    }
    return { data, width: SIZE, height: SIZE };
  });
  const samples = images.map((_, i) => ({ id: `mem:${i}`, label: i % 3 }));
  const source: DataSource = {
    name: 'colors',
    classes: ['red', 'green', 'blue'],
    splits: { train: samples },
    read: async (s) => images[Number(s.id.slice(4))],
  };
  return { source, samples };
}

function smallNet(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      name: 'conv',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    })
    .apply(input);
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x);
  x = tf.layers.reLU({ name: 'relu' }).apply(x);
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x);
  // Unseeded dropout: its masks come from Math.random, which the loop seeds per step.
  x = tf.layers.dropout({ rate: 0.3, name: 'head_drop' }).apply(x);
  const out = tf.layers
    .dense({
      units: 3,
      name: 'head',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function setup(seed: number, overrides: Partial<FitConfig> = {}): FitConfig {
  const { source, samples } = colorSource(36);
  const model = smallNet(seed);
  const transform = evalTransform(
    { inputSize: SIZE, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], interpolation: 'bilinear' },
    { cropPct: 1 },
  );
  const train = createLoader(source, samples, { batchSize: 8, transform, shuffle: true, seed: 5 });
  const optimizer = new AdamW(buildParamGroups(model, { weightDecay: 0.01, backboneLrMult: 0.5 }));
  return {
    model,
    optimizer,
    train,
    epochs: 4,
    seed: 7,
    schedule: { kind: 'cosine', lr: 0.05, warmupSteps: 2 },
    loss: (batch) => {
      const logits = model.apply(batch.x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 3),
        logits,
      ) as tf.Scalar;
    },
    ...overrides,
  };
}

const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));
const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'vt-loop-'));

test('training lowers the loss, logs one JSONL line per epoch and checkpoints each epoch', async () => {
  const outDir = await tempDir();
  const result = await fit(setup(1, { outDir, epochs: 6 }));
  const losses = result.history.map((r) => r.loss as number);
  assert.equal(losses.length, 6);
  assert.ok(losses[5] < losses[0] * 0.8, `loss ${losses[0]} -> ${losses[5]}`);
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), result.history);
  assert.equal((await loadLatestCheckpoint(path.join(outDir, 'checkpoints')))?.state.epoch, 6);
});

test('resuming after a crash ends exactly like an uninterrupted run (same seed)', async () => {
  const uninterrupted = setup(1, { outDir: await tempDir() });
  const a = await fit(uninterrupted);

  const outDir = await tempDir();
  const crash = new Error('simulated crash after epoch 2');
  await assert.rejects(
    fit(
      setup(1, {
        outDir,
        callbacks: [
          {
            onEpochEnd: (r) => {
              if (r.epoch === 2) throw crash;
            },
          },
        ],
      }),
    ),
    /simulated crash/,
  );
  // A fresh process would build the model from scratch: different init, new optimizer.
  const resumed = setup(99, { outDir, resume: true });
  const b = await fit(resumed);
  assert.equal(b.resumedFromEpoch, 2);
  assert.equal(b.history.length, 4);
  for (const [i, rec] of a.history.entries()) {
    assert.ok(
      Math.abs((rec.loss as number) - (b.history[i].loss as number)) < 1e-6,
      `epoch ${i + 1}: ${rec.loss} vs ${b.history[i].loss}`,
    );
  }
  const wa = weightsOf(uninterrupted.model);
  const wb = weightsOf(resumed.model);
  for (const [i, w] of wa.entries()) {
    assert.ok(
      w.every((v, k) => Math.abs(v - wb[i][k]) < 1e-5),
      `weight ${i}`,
    );
  }
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), b.history);
});

test('a fresh run into a folder with a longer earlier run checkpoints and resumes its own epochs', async () => {
  const outDir = await tempDir();
  await fit(setup(1, { outDir, epochs: 4 }));
  const fresh = setup(2, { outDir, epochs: 2 });
  await fit(fresh);
  const latest = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  assert.equal(latest?.state.epoch, 2);
  const restored = smallNet(3);
  assignWeights(restored, latest!.weights, latest!.path);
  assert.deepEqual(weightsOf(restored), weightsOf(fresh.model));
});

test('a NaN loss stops training with a clear error and leaves the last checkpoint intact', async () => {
  const outDir = await tempDir();
  let calls = 0;
  const config = setup(1, { outDir, optimizer: undefined as never });
  config.optimizer = new SGD(buildParamGroups(config.model), { momentum: 0.9 });
  const base = config.loss;
  config.loss = (batch, info) =>
    ++calls > 7 ? base(batch, info).mul(Number.NaN) : base(batch, info);
  await assert.rejects(fit(config), (err: unknown) => {
    assert.ok(err instanceof NonFiniteError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /loss became NaN at epoch 2, batch 2 \(step 7\)/);
    return true;
  });
  const ckpt = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  assert.equal(ckpt?.state.epoch, 1);
  assert.ok(ckpt.weights.every((w) => w.values.every(Number.isFinite)));
});

test('early stopping ends with the best epoch weights', async () => {
  for (const outDir of [undefined, await tempDir()]) {
    const scripted = [3, 1, 2, 2.5, 2.7];
    let best: number[][] = [];
    const config = setup(2, {
      outDir,
      epochs: 5,
      earlyStopping: { monitor: 'val_loss', patience: 1 },
      validate: async (epoch) => ({ val_loss: scripted[epoch - 1] }),
    });
    config.callbacks = [
      {
        onEpochEnd: (r) => {
          if (r.epoch === 2) best = weightsOf(config.model);
        },
      },
    ];
    const result = await fit(config);
    assert.equal(result.stopReason, 'early-stopping');
    assert.equal(result.history.length, 3);
    assert.equal(result.bestEpoch, 2);
    assert.deepEqual(
      weightsOf(config.model),
      best,
      `restored from ${outDir ? 'checkpoint' : 'memory'}`,
    );
  }
});
