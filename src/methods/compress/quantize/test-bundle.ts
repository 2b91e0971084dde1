// Test support: a tiny conv + batch-norm + dense classifier with seeded, non-trivial weights
// (BN statistics away from 1/0, an asymmetric kernel range, a block of exact zeros as pruning
// leaves), saved as a bundle; and an in-memory data source of random images for it.
import * as tf from '@tensorflow/tfjs';
import { type NewBundleMeta, saveBundle } from '../../../bundle/bundle.js';
import type { DataSource, Sample } from '../../../data/types.js';

export const TINY_LABELS = ['ant', 'bee', 'cat'];
export const TINY_SIZE = 8;

export const tinyMeta: NewBundleMeta = {
  task: 'classification',
  labels: TINY_LABELS,
  preprocessing: {
    inputSize: TINY_SIZE,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    interpolation: 'bilinear',
    cropPct: 1,
  },
  backbone: { name: 'test-net' },
  training: { epochs: 1 },
  metrics: { accuracy: 0.5 },
};

/** Input -> conv (3x3, 6 filters) -> BN -> global average pool -> dense: linear end to end. */
export function tinyClassifier(seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [TINY_SIZE, TINY_SIZE, 3] });
  const conv = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'conv' })
    .apply(input);
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(bn);
  const out = tf.layers
    .dense({ units: TINY_LABELS.length, name: 'head' })
    .apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  tf.tidy(() => {
    // Kernel values in [-0.2, 0.6]: an asymmetric range, so the zero nudge has work to do. The
    // first 20 kernel values are exactly 0, as magnitude pruning leaves them.
    const kernel = tf.randomUniform([3, 3, 3, 6], -0.2, 0.6, 'float32', seed);
    const pruned = tf.concat([tf.zeros([20]), kernel.flatten().slice(20)]).reshape([3, 3, 3, 6]);
    model.getLayer('conv').setWeights([pruned, tf.randomUniform([6], -0.1, 0.1, 'float32', seed)]);
    model
      .getLayer('bn')
      .setWeights([
        tf.randomUniform([6], 0.5, 1.5, 'float32', seed + 1),
        tf.randomUniform([6], -0.2, 0.2, 'float32', seed + 2),
        tf.randomUniform([6], -0.3, 0.3, 'float32', seed + 3),
        tf.randomUniform([6], 0.2, 3, 'float32', seed + 4),
      ]);
    model
      .getLayer('head')
      .setWeights([
        tf.randomNormal([6, TINY_LABELS.length], 0, 1, 'float32', seed + 5),
        tf.randomUniform([TINY_LABELS.length], -0.5, 0.5, 'float32', seed + 6),
      ]);
  });
  return model;
}

/** Saves `tinyClassifier(seed)` as a bundle in `dir`; returns the (still usable) model. */
export async function saveTinyBundle(dir: string, seed = 1): Promise<tf.LayersModel> {
  const model = tinyClassifier(seed);
  await saveBundle(dir, model, tinyMeta);
  return model;
}

/** `count` random RGB images, labelled round-robin, read from memory. */
export function randomImageSource(count: number, seed = 7): DataSource {
  let state = seed;
  const byte = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24;
  };
  const images = Array.from({ length: count }, () =>
    Uint8Array.from({ length: TINY_SIZE * TINY_SIZE * 3 }, byte),
  );
  const test: Sample[] = images.map((_, i) => ({ id: `random:${i}`, label: i % 3 }));
  return {
    name: 'random images',
    classes: TINY_LABELS,
    splits: { test },
    contentKey: (s) => s.id,
    async read(sample) {
      return { data: images[Number(sample.id.slice(7))]!, width: TINY_SIZE, height: TINY_SIZE };
    },
  };
}
