// Test support: tiny bundles of each served task (random weights, 16–32 px inputs), saved in a
// temporary folder in well under a second, and test images written with sharp.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { type NewBundleMeta, saveBundle } from '../bundle/bundle.js';
import { channelsPerLocation, locationCount } from '../heads/detection/layout.js';
import { Rng } from '../util/rng.js';

/** Preprocessing with a mean and std of their own (a wrong normalization would show). */
const NORMALIZE = {
  mean: [0.5, 0.4, 0.3] as [number, number, number],
  std: [0.25, 0.2, 0.3] as [number, number, number],
  interpolation: 'bilinear' as const,
  cropPct: 0.875,
};
const preprocessing = (inputSize: number) => ({ ...NORMALIZE, inputSize });

const common = { backbone: { name: 'test-net' }, training: {}, metrics: {} };

function seeded(model: tf.LayersModel, seed: number): tf.LayersModel {
  const rng = new Rng(seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.size }, () => 0.5 * rng.normal()),
        w.shape,
      ),
    ),
  );
  return model;
}

export function tinyClassifier(): { model: tf.LayersModel; meta: NewBundleMeta } {
  const input = tf.input({ shape: [16, 16, 3] });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(conv);
  const out = tf.layers.dense({ units: 3 }).apply(pooled) as tf.SymbolicTensor;
  return {
    model: seeded(tf.model({ inputs: input, outputs: out }), 1),
    meta: {
      ...common,
      task: 'classification',
      labels: ['cat', 'dog', 'fox'],
      preprocessing: preprocessing(16),
    },
  };
}

const DETECTOR = { inputSize: 32, strides: [8, 16], numClasses: 2 };

export function tinyDetector(): { model: tf.LayersModel; meta: NewBundleMeta } {
  const n = locationCount(DETECTOR);
  const c = channelsPerLocation(DETECTOR);
  const input = tf.input({ shape: [32, 32, 3] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input);
  const dense = tf.layers.dense({ units: n * c }).apply(pooled);
  const out = tf.layers.reshape({ targetShape: [n, c] }).apply(dense) as tf.SymbolicTensor;
  return {
    model: seeded(tf.model({ inputs: input, outputs: out }), 2),
    meta: {
      ...common,
      task: 'detection',
      labels: ['ball', 'cube'],
      preprocessing: preprocessing(32),
      detection: {
        head: 'fcos',
        strides: DETECTOR.strides,
        scoreThreshold: 0.05,
        nmsIou: 0.5,
        maxDetections: 20,
      },
    },
  };
}

export function tinySegmenter(): { model: tf.LayersModel; meta: NewBundleMeta } {
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 3, kernelSize: 1 })],
  });
  return {
    model: seeded(model, 3),
    meta: {
      ...common,
      task: 'segmentation',
      labels: ['background', 'sky', 'grass'],
      preprocessing: preprocessing(16),
      segmentation: { decoder: 'unet', ignoreIndex: 255, maskMode: 'index', inference: 'resize' },
    },
  };
}

/** The three bundles saved under a new temporary folder: classifier, detector, segmenter. */
export async function saveTinyBundles(): Promise<{
  dir: string;
  classifier: string;
  detector: string;
  segmenter: string;
}> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-serve-'));
  const out = {
    dir,
    classifier: path.join(dir, 'cls'),
    detector: path.join(dir, 'det'),
    segmenter: path.join(dir, 'seg'),
  };
  for (const [where, make] of [
    [out.classifier, tinyClassifier],
    [out.detector, tinyDetector],
    [out.segmenter, tinySegmenter],
  ] as const) {
    const { model, meta } = make();
    await saveBundle(where, model, meta);
    model.dispose();
  }
  return out;
}

/** A random-noise JPEG (or PNG) of the given size. */
export async function noiseImage(
  width: number,
  height: number,
  seed: number,
  format: 'jpeg' | 'png' = 'jpeg',
) {
  const rng = new Rng(seed);
  const data = Buffer.from(Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)));
  return sharp(data, { raw: { width, height, channels: 3 } })
    [format]()
    .toBuffer();
}
