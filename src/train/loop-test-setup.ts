// Test support for the loop's tests: a small conv net that learns a color task from in-memory
// images in a few epochs, and a FitConfig around it (seeded, so runs can be compared). Tests only.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createLoader } from '../data/loader.js';
import { evalTransform } from '../data/transforms/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { Rng } from '../util/rng.js';
import type { FitConfig } from './loop.js';
import { AdamW, buildParamGroups } from './optim/index.js';

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

export function smallNet(seed: number): tf.LayersModel {
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

export function setup(seed: number, overrides: Partial<FitConfig> = {}): FitConfig {
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

export const weightsOf = (m: tf.LayersModel) =>
  m.weights.map((w) => Array.from(w.read().dataSync()));
export const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'vt-loop-'));
