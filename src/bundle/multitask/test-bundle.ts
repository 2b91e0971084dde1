// Test support: a tiny multi-task bundle built by hand — resnet_tiny (random weights, 32 px) with
// four heads on its stride-8 and stride-16 maps (and the pixels), one output each: a classifier, a multi-label
// classifier, an FCOS-layout detector ([B, N, C + 5]) and a segmenter ([B, 32, 32, C]) — saved
// with saveBundle and the multitask metadata. Layer names follow head_<task>_….
import * as tf from '@tensorflow/tfjs';
import { backboneTaps } from '../../heads/backbone-taps.js';
import { channelsPerLocation } from '../../heads/detection/layout.js';
import { type NewBundleMeta, saveBundle } from '../bundle.js';

export const TINY_SIZE = 32;
const STRIDES = [8, 16] as const;

export const TINY_TASKS = {
  kind: ['cat', 'dog', 'fox'],
  tags: ['red', 'green', 'blue', 'round'],
  boxes: ['ball', 'cube'],
  parts: ['background', 'sky', 'grass'],
};

export async function tinyMultitask(
  options: { cropPct?: number } = {},
): Promise<{ model: tf.LayersModel; meta: NewBundleMeta }> {
  const { body } = await backboneTaps('resnet_tiny', STRIDES, {
    inputSize: TINY_SIZE,
    pretrained: false,
    seed: 3,
  });
  const input = body.inputs[0]!;
  const [tap8, tap16] = body.outputs as tf.SymbolicTensor[];
  const seed = { seed: 7 };
  const pooled = (name: string) =>
    tf.layers.globalAveragePooling2d({ name: `head_${name}_pool` }).apply(tap16!);
  const dense = (name: string, units: number) =>
    tf.layers
      .dense({
        units,
        name: `head_${name}_logits`,
        kernelInitializer: tf.initializers.glorotNormal(seed),
      })
      .apply(pooled(name)) as tf.SymbolicTensor;
  const kind = dense('kind', TINY_TASKS.kind.length);
  const tags = dense('tags', TINY_TASKS.tags.length);
  const c = channelsPerLocation({
    inputSize: TINY_SIZE,
    strides: STRIDES,
    numClasses: TINY_TASKS.boxes.length,
  });
  const levels = [tap8!, tap16!].map((tap, i) => {
    const side = TINY_SIZE / STRIDES[i]!;
    const conv = tf.layers
      .conv2d({
        filters: c,
        kernelSize: 1,
        name: `head_boxes_conv${i}`,
        kernelInitializer: tf.initializers.glorotNormal(seed),
      })
      .apply(tap);
    return tf.layers
      .reshape({ targetShape: [side * side, c], name: `head_boxes_flat${i}` })
      .apply(conv) as tf.SymbolicTensor;
  });
  const boxes = tf.layers
    .concatenate({ axis: 1, name: 'head_boxes_out' })
    .apply(levels) as tf.SymbolicTensor;
  const partLogits = tf.layers
    .conv2d({
      filters: TINY_TASKS.parts.length,
      kernelSize: 1,
      name: 'head_parts_conv',
      kernelInitializer: tf.initializers.glorotNormal(seed),
    })
    .apply(tap8!);
  const up = tf.layers
    .upSampling2d({ size: [8, 8], interpolation: 'bilinear', name: 'head_parts_up' })
    .apply(partLogits) as tf.SymbolicTensor;
  // A skip from the pixels (as a U-Net's), so the random mask is not one class everywhere.
  const skip = tf.layers
    .conv2d({
      filters: TINY_TASKS.parts.length,
      kernelSize: 1,
      name: 'head_parts_skip',
      kernelInitializer: tf.initializers.glorotNormal(seed),
    })
    .apply(input) as tf.SymbolicTensor;
  const parts = tf.layers.add({ name: 'head_parts_out' }).apply([up, skip]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [kind, tags, boxes, parts] });
  const meta: NewBundleMeta = {
    task: 'multitask',
    labels: [],
    preprocessing: {
      inputSize: TINY_SIZE,
      mean: [0.5, 0.4, 0.3],
      std: [0.25, 0.2, 0.3],
      interpolation: 'bilinear',
      cropPct: options.cropPct ?? 1,
    },
    backbone: { name: 'resnet_tiny' },
    training: {},
    metrics: {},
    multitask: {
      tasks: [
        { name: 'kind', task: 'classification', labels: TINY_TASKS.kind, output: 0, metrics: {} },
        {
          name: 'tags',
          task: 'classification',
          multiLabel: true,
          labels: TINY_TASKS.tags,
          output: 1,
          metrics: {},
        },
        {
          name: 'boxes',
          task: 'detection',
          labels: TINY_TASKS.boxes,
          output: 2,
          metrics: {},
          detection: {
            head: 'fcos',
            strides: [...STRIDES],
            scoreThreshold: 0.05,
            nmsIou: 0.5,
            maxDetections: 20,
          },
        },
        {
          name: 'parts',
          task: 'segmentation',
          labels: TINY_TASKS.parts,
          output: 3,
          metrics: {},
          segmentation: {
            decoder: 'unet',
            ignoreIndex: 255,
            maskMode: 'index',
            inference: 'resize',
          },
        },
      ],
    },
  };
  return { model, meta };
}

/** The tiny multi-task bundle saved at `dir`. */
export async function saveTinyMultitask(dir: string, options: { cropPct?: number } = {}) {
  const { model, meta } = await tinyMultitask(options);
  try {
    return await saveBundle(dir, model, meta);
  } finally {
    model.dispose();
  }
}
