// The Keras ResNet architectures (keras.applications ResNet50/101/152 and ResNet50V2/101V2/152V2),
// built in code with Keras's layer names and order so their ImageNet weight files load into them
// (zoo/keras-entries.ts). v1: the stride on the first 1x1 conv of a stage's first block, biases on
// every conv, BatchNorm after each conv. v2 (pre-activation): BatchNorm + ReLU before each block,
// the stride on the 3x3 conv of a stage's *last* block (identity shortcuts there go through a 1x1
// max pool), one post_bn/post_relu at the end. BatchNorm epsilon 1.001e-5 throughout.
import * as tf from '@tensorflow/tfjs';
import { type KerasKit, kerasKit, type Sym } from './keras-kit.js';
import type { BlockRule, FeatureTap } from './types.js';

export type ResnetDepth = 50 | 101 | 152;
export type ResnetVersion = 1 | 2;

/** Residual blocks per stage (conv2..conv5). */
const DEPTHS: Record<ResnetDepth, number[]> = {
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
};
const STAGE_FILTERS = [64, 128, 256, 512];
const EPSILON = 1.001e-5;

const stages = (depth: ResnetDepth) =>
  DEPTHS[depth].map((n, i) => ({ stage: `conv${i + 2}`, filters: STAGE_FILTERS[i]!, n }));

const blockNames = (depth: ResnetDepth) =>
  stages(depth).flatMap(({ stage, n }) =>
    Array.from({ length: n }, (_, i) => `${stage}_block${i + 1}`),
  );

/** The tap at each stride, as graph.ts findTaps finds it at 224 px. */
export function resnetTaps(depth: ResnetDepth, version: ResnetVersion): FeatureTap[] {
  const s = stages(depth);
  // v1 strides at a stage's first block, so each stage's last block ends at the stage's stride;
  // v2 strides at its last block, so the block before it ends the stride (conv5 has no stride:
  // the body's output, post_relu, is the stride-32 tap).
  if (version === 1)
    return s.map(({ stage, filters, n }, i) => ({
      stride: (4 << i) as FeatureTap['stride'],
      layer: `${stage}_block${n}_out`,
      channels: 4 * filters,
    }));
  return [
    ...s.slice(0, 3).map(({ stage, filters, n }, i) => ({
      stride: (4 << i) as FeatureTap['stride'],
      layer: `${stage}_block${n - 1}_out`,
      channels: 4 * filters,
    })),
    { stride: 32, layer: 'post_relu', channels: 2048 },
  ];
}

/** Stem to the max pool, then each residual block, ending at its `_out`. */
export const resnetBlocks = (depth: ResnetDepth): BlockRule => ({
  stemEnd: 'pool1_pool',
  ends: blockNames(depth).map((b) => `${b}_out`),
});

function blockV1(k: KerasKit, x: Sym, filters: number, stride: number, b: string, first: boolean) {
  const bn = (name: string) => k.bn(name, EPSILON);
  const conv = (name: string, f: number, kernel: number, s = 1) =>
    k.conv(name, f, kernel, { strides: s, padding: kernel > 1 ? 'same' : 'valid', useBias: true });
  const shortcut = first
    ? k.chain(x, conv(`${b}_0_conv`, 4 * filters, 1, stride), bn(`${b}_0_bn`))
    : x;
  const h = k.chain(
    x,
    conv(`${b}_1_conv`, filters, 1, stride),
    bn(`${b}_1_bn`),
    k.act(`${b}_1_relu`, 'relu'),
    conv(`${b}_2_conv`, filters, 3),
    bn(`${b}_2_bn`),
    k.act(`${b}_2_relu`, 'relu'),
    conv(`${b}_3_conv`, 4 * filters, 1),
    bn(`${b}_3_bn`),
  );
  return k.chain(
    k.apply(tf.layers.add({ name: `${b}_add` }), [shortcut, h]),
    k.act(`${b}_out`, 'relu'),
  );
}

function blockV2(
  k: KerasKit,
  x: Sym,
  filters: number,
  stride: number,
  b: string,
  shortcutPool: () => string,
  first: boolean,
) {
  const preact = k.chain(x, k.bn(`${b}_preact_bn`, EPSILON), k.act(`${b}_preact_relu`, 'relu'));
  let shortcut = x;
  if (first)
    shortcut = k.apply(
      k.conv(`${b}_0_conv`, 4 * filters, 1, { strides: stride, padding: 'valid', useBias: true }),
      preact,
    );
  else if (stride > 1)
    shortcut = k.apply(
      tf.layers.maxPooling2d({ poolSize: 1, strides: stride, name: shortcutPool() }),
      x,
    );
  const h = k.chain(
    preact,
    k.conv(`${b}_1_conv`, filters, 1, { padding: 'valid' }),
    k.bn(`${b}_1_bn`, EPSILON),
    k.act(`${b}_1_relu`, 'relu'),
    tf.layers.zeroPadding2d({ padding: 1, name: `${b}_2_pad` }),
    k.conv(`${b}_2_conv`, filters, 3, { strides: stride, padding: 'valid' }),
    k.bn(`${b}_2_bn`, EPSILON),
    k.act(`${b}_2_relu`, 'relu'),
    k.conv(`${b}_3_conv`, 4 * filters, 1, { padding: 'valid', useBias: true }),
  );
  return k.apply(tf.layers.add({ name: `${b}_out` }), [shortcut, h]);
}

/** The Keras ResNet body (no top) of `depth` and `version`, random init seeded from `seed`. */
export function resnetBody(
  depth: ResnetDepth,
  version: ResnetVersion,
  size: number,
  seed: number,
  name: string,
): tf.LayersModel {
  const k = kerasKit(seed);
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  const v1 = version === 1;
  let x = k.chain(
    input,
    tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }),
    k.conv('conv1_conv', 64, 7, { strides: 2, padding: 'valid', useBias: true }),
  );
  if (v1) x = k.chain(x, k.bn('conv1_bn', EPSILON), k.act('conv1_relu', 'relu'));
  x = k.chain(
    x,
    tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }),
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }),
  );
  // Keras leaves v2's shortcut pools unnamed: a fresh session numbers them like this.
  let pools = 0;
  const shortcutPool = () => (pools++ ? `max_pooling2d_${pools - 1}` : 'max_pooling2d');
  stages(depth).forEach(({ stage, filters, n }, s) => {
    for (let i = 1; i <= n; i++) {
      const b = `${stage}_block${i}`;
      if (v1) x = blockV1(k, x, filters, i === 1 && s > 0 ? 2 : 1, b, i === 1);
      else x = blockV2(k, x, filters, i === n && s < 3 ? 2 : 1, b, shortcutPool, i === 1);
    }
  });
  if (!v1) x = k.chain(x, k.bn('post_bn', EPSILON), k.act('post_relu', 'relu'));
  return tf.model({ inputs: input, outputs: x, name });
}
