// The Keras DenseNet architectures (keras.applications DenseNet121/169/201), built in code with
// Keras's layer names and order so their ImageNet weight files load into them
// (zoo/keras-entries.ts): each conv block (BN-ReLU-1x1 conv to 128, BN-ReLU-3x3 conv to 32)
// concatenates its 32 new channels onto its input; transitions halve the channels (1x1 conv) and
// the resolution (2x2 average pool). BatchNorm epsilon 1.001e-5, no conv biases.
import * as tf from '@tensorflow/tfjs';
import { kerasKit, type Sym } from './keras-kit.js';
import type { BlockRule, FeatureTap } from './types.js';

export type DensenetDepth = 121 | 169 | 201;

/** Conv blocks in each dense block (conv2..conv5). */
const DEPTHS: Record<DensenetDepth, number[]> = {
  121: [6, 12, 24, 16],
  169: [6, 12, 32, 32],
  201: [6, 12, 48, 32],
};
const GROWTH = 32;
const EPSILON = 1.001e-5;

/** Channels after each dense block: 64 in, +32 per conv block, halved by each transition. */
function stageChannels(depth: DensenetDepth): number[] {
  let c = 64;
  return DEPTHS[depth].map((n, i) => {
    c += GROWTH * n;
    const out = c;
    if (i < 3) c = Math.floor(c / 2);
    return out;
  });
}

export const densenetChannels = (depth: DensenetDepth) => stageChannels(depth)[3]!;

/**
 * The tap at each stride, as graph.ts findTaps finds it at 224 px: the transition's 1x1 conv (the
 * last layer before its pool halves the resolution), and the final ReLU.
 */
export function densenetTaps(depth: DensenetDepth): FeatureTap[] {
  const c = stageChannels(depth);
  return [
    ...[0, 1, 2].map((i) => ({
      stride: (4 << i) as FeatureTap['stride'],
      layer: `pool${i + 2}_conv`,
      channels: Math.floor(c[i]! / 2),
    })),
    { stride: 32, layer: 'relu', channels: c[3]! },
  ];
}

/** Stem to the max pool, then each conv block, ending at its concat (transitions join the next). */
export const densenetBlocks = (depth: DensenetDepth): BlockRule => ({
  stemEnd: 'pool1',
  ends: DEPTHS[depth].flatMap((n, s) =>
    Array.from({ length: n }, (_, i) => `conv${s + 2}_block${i + 1}_concat`),
  ),
});

/** The Keras DenseNet body (no top) of `depth`, random init seeded from `seed`. */
export function densenetBody(
  depth: DensenetDepth,
  size: number,
  seed: number,
  name: string,
): tf.LayersModel {
  const k = kerasKit(seed);
  const bnRelu = (prefix: string) => [
    k.bn(`${prefix}_bn`, EPSILON),
    k.act(`${prefix}_relu`, 'relu'),
  ];
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  // Keras leaves the stem's paddings unnamed: a fresh session numbers them like this.
  let x: Sym = k.chain(
    input,
    tf.layers.zeroPadding2d({ padding: 3, name: 'zero_padding2d' }),
    k.conv('conv1_conv', 64, 7, { strides: 2, padding: 'valid' }),
    ...bnRelu('conv1'),
    tf.layers.zeroPadding2d({ padding: 1, name: 'zero_padding2d_1' }),
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }),
  );
  DEPTHS[depth].forEach((n, s) => {
    for (let i = 1; i <= n; i++) {
      const b = `conv${s + 2}_block${i}`;
      const h = k.chain(
        x,
        ...bnRelu(`${b}_0`),
        k.conv(`${b}_1_conv`, 4 * GROWTH, 1, { padding: 'valid' }),
        ...bnRelu(`${b}_1`),
        k.conv(`${b}_2_conv`, GROWTH, 3),
      );
      x = k.apply(tf.layers.concatenate({ axis: 3, name: `${b}_concat` }), [x, h]);
    }
    if (s === 3) return;
    const t = `pool${s + 2}`;
    x = k.chain(
      x,
      ...bnRelu(t),
      k.conv(`${t}_conv`, Math.floor(x.shape[3]! / 2), 1, { padding: 'valid' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${t}_pool` }),
    );
  });
  x = k.chain(x, k.bn('bn', EPSILON), k.act('relu', 'relu'));
  return tf.model({ inputs: input, outputs: x, name });
}
