// The Keras EfficientNetV2-S architecture (keras.applications EfficientNetV2S; Tan & Le 2021),
// built in code with Keras's layer names and order so its ImageNet weight file loads into it
// (zoo/keras-families.ts): three stages of fused MBConv blocks (a full 3x3 conv in place of
// expand + depthwise, no squeeze-excite), then MBConv blocks as in EfficientNet; swish,
// BatchNorm epsilon 1e-3, drop-connect on residual blocks. Keras's Rescaling(1/128, offset -1)
// input layer is the entry's preprocessing (mean = std = 128/255).
import * as tf from '@tensorflow/tfjs';
import { dropAndAdd, squeezeExcite } from './efficientnet-arch.js';
import { kerasKit, type Sym } from './keras-kit.js';
import type { BlockRule, FeatureTap } from './types.js';

/** [fused, kernel, repeats, filters in, filters out, expand ratio, stride, se ratio] (Keras's "efficientnetv2-s"). */
const STAGES: [boolean, number, number, number, number, number, 1 | 2, number][] = [
  [true, 3, 2, 24, 24, 1, 1, 0],
  [true, 3, 4, 24, 48, 4, 2, 0],
  [true, 3, 4, 48, 64, 4, 2, 0],
  [false, 3, 6, 64, 128, 4, 2, 0.25],
  [false, 3, 9, 128, 160, 6, 1, 0.25],
  [false, 3, 15, 160, 256, 6, 2, 0.25],
];
const DROP_CONNECT = 0.2;
const EPSILON = 1e-3;
const MOMENTUM = 0.9;
export const EFFICIENTNET_V2_S_CHANNELS = 1280;

const blocks = STAGES.flatMap(([fused, kernel, repeats, fin, fout, expand, stride, se], i) =>
  Array.from({ length: repeats }, (_, j) => ({
    prefix: `block${i + 1}${String.fromCharCode(97 + j)}_`,
    stage: i,
    fused,
    kernel,
    expand,
    se,
    stride: j ? 1 : stride,
    filtersIn: j ? fout : fin,
    filtersOut: fout,
  })),
);

const residual = (b: (typeof blocks)[number]) => b.stride === 1 && b.filtersIn === b.filtersOut;

/**
 * The tap at each stride, as graph.ts findTaps finds it at 384 px: before a fused stage (whose
 * strided conv is its first layer) the previous block's add; before an MBConv stage the 1x1
 * expand activation of its first block (as EfficientNet's taps); and the output.
 */
export const efficientnetV2STaps: FeatureTap[] = [
  ...[2, 3, 5].map((stage, i) => {
    const first = blocks.find((b) => b.stage === stage)!;
    const previous = blocks[blocks.indexOf(first) - 1]!;
    return {
      stride: (4 << i) as FeatureTap['stride'],
      layer: first.fused ? `${previous.prefix}add` : `${first.prefix}expand_activation`,
      channels: first.fused ? previous.filtersOut : first.filtersIn * first.expand,
    };
  }),
  { stride: 32, layer: 'top_activation', channels: EFFICIENTNET_V2_S_CHANNELS },
];

/** The stem, then each block (ending at its add, or its projection). */
export const efficientnetV2SBlocks: BlockRule = {
  stemEnd: 'stem_activation',
  ends: blocks.map(
    (b) =>
      `${b.prefix}${residual(b) ? 'add' : b.fused && b.expand === 1 ? 'project_activation' : 'project_bn'}`,
  ),
};

/** The Keras EfficientNetV2-S body (no top), random init from `seed`. */
export function efficientnetV2SBody(size: number, seed: number, name: string): tf.LayersModel {
  const k = kerasKit(seed);
  const bn = (n: string) => k.bn(n, EPSILON, MOMENTUM);
  const swish = (n: string) => k.act(n, 'swish');
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x: Sym = k.chain(
    input,
    k.conv('stem_conv', STAGES[0]![3], 3, { strides: 2 }),
    bn('stem_bn'),
    swish('stem_activation'),
  );
  blocks.forEach((b, index) => {
    const p = b.prefix;
    const filters = b.filtersIn * b.expand;
    let h = x;
    if (b.fused) {
      if (b.expand !== 1)
        h = k.chain(
          h,
          k.conv(`${p}expand_conv`, filters, b.kernel, { strides: b.stride }),
          bn(`${p}expand_bn`),
          swish(`${p}expand_activation`),
        );
      // Without expansion the projection is the block's one (strided, 3x3) conv.
      const single = b.expand === 1;
      h = k.chain(
        h,
        k.conv(`${p}project_conv`, b.filtersOut, single ? b.kernel : 1, {
          strides: single ? b.stride : 1,
        }),
        bn(`${p}project_bn`),
      );
      if (single) h = k.apply(swish(`${p}project_activation`), h);
    } else {
      h = k.chain(
        h,
        k.conv(`${p}expand_conv`, filters, 1),
        bn(`${p}expand_bn`),
        swish(`${p}expand_activation`),
        k.depthwise(`${p}dwconv2`, b.kernel, { strides: b.stride }),
        bn(`${p}bn`),
        swish(`${p}activation`),
      );
      h = squeezeExcite(k, h, p, Math.max(1, Math.trunc(b.filtersIn * b.se)));
      h = k.chain(h, k.conv(`${p}project_conv`, b.filtersOut, 1), bn(`${p}project_bn`));
    }
    x = residual(b) ? dropAndAdd(k, h, x, p, (DROP_CONNECT * index) / blocks.length) : h;
  });
  x = k.chain(
    x,
    k.conv('top_conv', EFFICIENTNET_V2_S_CHANNELS, 1),
    bn('top_bn'),
    swish('top_activation'),
  );
  return tf.model({ inputs: input, outputs: x, name });
}
