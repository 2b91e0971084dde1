// A tiny classification bundle for tests (not a test itself): a 16 px conv net with two or more
// classes, saved in a second, for tests that need a real bundle on disk to load or tamper with.
import * as tf from '@tensorflow/tfjs';
import type { NewBundleMeta } from './bundle.js';
import { saveBundle } from './save.js';

export const tinyMeta = (labels: string[]): NewBundleMeta => ({
  task: 'classification',
  labels,
  preprocessing: {
    inputSize: 16,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    interpolation: 'bilinear',
    cropPct: 0.875,
  },
  backbone: { name: 'test-net' },
  training: { epochs: 1 },
  metrics: { accuracy: 0.5 },
});

/** conv → BatchNorm → pool → dense head of `classes` outputs, on 16×16 RGB. */
export function tinyClassifier(classes: number): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input);
  const bn = tf.layers.batchNormalization({}).apply(conv);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(bn);
  const out = tf.layers.dense({ units: classes, name: 'head' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Saves a tiny classifier with `labels` as a bundle in `dir`. */
export async function saveTinyBundle(dir: string, labels = ['a', 'b']): Promise<void> {
  await saveBundle(dir, tinyClassifier(labels.length), tinyMeta(labels));
}
