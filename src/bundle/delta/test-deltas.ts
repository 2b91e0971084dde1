// Test support: resnet_tiny classifiers (32 px, seeded random body) changed as a BitFit run
// changes them — only BatchNorm gamma/beta moved, plus a new head — or with an extra layer the
// base does not have, and the base description they were built from.
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import type { NewBundleMeta } from '../save.js';
import type { DeltaBaseSpec } from './schema.js';

export const TINY_BASE: DeltaBaseSpec = {
  backbone: 'resnet_tiny',
  pretrained: false,
  seed: 7,
  inputSize: 32,
};

// The colour folder's classes (data/test-fixtures writeColorFolder), so `eval` can score a delta.
export const LABELS = ['red', 'green', 'blue'];

export function metaFor(
  spec: DeltaBaseSpec,
  training: Record<string, unknown> = {},
): NewBundleMeta {
  return {
    task: 'classification',
    labels: LABELS,
    preprocessing: {
      inputSize: spec.inputSize,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      interpolation: 'bilinear',
      cropPct: 1,
    },
    backbone: { name: spec.backbone },
    training,
    metrics: {},
  };
}

/** The classifier createModel builds on `spec` (head seeded by `headSeed`). */
export async function classifierOn(spec: DeltaBaseSpec, headSeed = 0): Promise<tf.LayersModel> {
  const { model } = await createModel(spec.backbone, {
    pretrained: spec.pretrained,
    seed: spec.seed,
    cut: spec.cut,
    inputSize: spec.inputSize,
    numClasses: LABELS.length,
  });
  // A head of its own per delta (createModel seeds it from the body's seed).
  const head = model.getLayer('head');
  head.setWeights(
    head.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', headSeed * 10 + i)),
  );
  return model;
}

/** What BitFit trains on this body: BatchNorm's gamma and beta (resnet_tiny's convs have no bias). */
export const isBitfitWeight = (name: string) => /\/(gamma|beta|bias)$/.test(name);

/** A BitFit-style delta: every bias/gamma/beta of the body moved by seeded noise. */
export async function bitfitClassifier(spec: DeltaBaseSpec, seed: number): Promise<tf.LayersModel> {
  const model = await classifierOn(spec, seed);
  for (const w of model.weights) {
    if (!isBitfitWeight(w.originalName) || w.originalName.startsWith('head/')) continue;
    const moved = tf.tidy(() =>
      tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.05, 'float32', seed)),
    );
    w.write(moved);
    moved.dispose();
  }
  return model;
}

/** The base classifier with a layer the base lacks: a 1×1 conv added beside stage 4's output. */
export async function extraLayerClassifier(spec: DeltaBaseSpec): Promise<tf.LayersModel> {
  const base = await classifierOn(spec, 3);
  const tap = base.getLayer('stage4_out').output as tf.SymbolicTensor;
  const side = tf.layers
    .conv2d({ filters: 128, kernelSize: 1, name: 'stage4_extra', kernelInitializer: 'heNormal' })
    .apply(tap) as tf.SymbolicTensor;
  const joined = tf.layers
    .add({ name: 'stage4_extra_add' })
    .apply([tap, side]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(joined);
  const head = tf.layers.dense({ units: LABELS.length, name: 'head' });
  const model = tf.model({ inputs: base.inputs, outputs: head.apply(pooled) as tf.SymbolicTensor });
  head.setWeights(base.getLayer('head').getWeights());
  return model;
}

/** A seeded batch of inputs for `spec`'s size. */
export const inputsFor = (spec: DeltaBaseSpec, n = 4, seed = 11) =>
  tf.randomNormal([n, spec.inputSize, spec.inputSize, 3], 0, 1, 'float32', seed) as tf.Tensor4D;

/** Largest |a - b| of two models' outputs on `x`. */
export function maxDifference(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]!,
  );
}
