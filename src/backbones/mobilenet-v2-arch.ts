// The Keras MobileNetV2 architecture at any width (alpha), built in code with Keras Applications'
// layer names, channel rounding and layer order, so a Keras MobileNetV2 weight file loads into it
// (zoo/keras-entries.ts) — and, with seeded random init, the from-scratch `mobilenet_v2_035`.
// 'same' padding equals Keras's explicit ZeroPadding(correct_pad) + 'valid' at stride 2 for every
// input size (TF's 'same' puts the odd pixel at the bottom/right), so the padding layers are left
// out. Standard layers only: it saves and loads with model.save / tf.loadLayersModel.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { initializerSeed } from '../util/init-seed.js';
import { batchNormalization } from './batchnorm-fix.js';
import { resolveInputSize } from './input-size.js';
import { makeDivisible } from './keras-kit.js';
import { mobilenetV2Blocks } from './mobilenet-v2.js';
import { reLU } from './relu-layer.js';
import type { BackboneEntry, BuildOptions, FeatureTap, PretrainedConfig } from './types.js';

/** [expansion t, output channels c, repeats n, first stride s] per stage, as in the paper. */
const STAGES: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Output channels of each of the 17 inverted-residual blocks (Keras: int() before rounding). */
function blockChannels(alpha: number): number[] {
  return STAGES.flatMap(([, c, n]) => Array(n).fill(makeDivisible(Math.trunc(c * alpha))));
}

/** Channels of the top 1x1 conv: 1280, widened (never narrowed) with alpha. */
export const topChannels = (alpha: number) => (alpha > 1 ? makeDivisible(1280 * alpha) : 1280);

/** The usual MobileNetV2 taps (the last layer at each stride; expand_relu are U-Net skips). */
export function mobilenetV2Taps(alpha: number): FeatureTap[] {
  const out = blockChannels(alpha);
  // A block's expand layer has 6× the previous block's output channels.
  return [
    { stride: 4, layer: 'block_3_expand_relu', channels: 6 * out[2]! },
    { stride: 8, layer: 'block_6_expand_relu', channels: 6 * out[5]! },
    { stride: 16, layer: 'block_13_expand_relu', channels: 6 * out[12]! },
    { stride: 32, layer: 'out_relu', channels: topChannels(alpha) },
  ];
}

/** The Keras MobileNetV2 body (no top) at `alpha`, He-normal init seeded from `seed`. */
export function mobilenetV2Body(
  alpha: number,
  size: number,
  seed: number,
  name: string,
): tf.LayersModel {
  let next = seed;
  const init = () => tf.initializers.heNormal({ seed: initializerSeed(next++) });
  const bn = (name: string) => batchNormalization({ name, momentum: 0.999, epsilon: 1e-3 });
  const relu6 = (name: string) => reLU({ name, maxValue: 6 });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const conv = (filters: number, kernel: number, stride: number, name: string) =>
    tf.layers.conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(),
      name,
    });

  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let inChannels = makeDivisible(32 * alpha);
  let x = apply(conv(inChannels, 3, 2, 'Conv1'), input);
  x = apply(relu6('Conv1_relu'), apply(bn('bn_Conv1'), x));
  const outChannels = blockChannels(alpha);
  const strides = STAGES.flatMap(([, , n, s]) => Array.from({ length: n }, (_, i) => (i ? 1 : s)));
  const expansions = STAGES.flatMap(([t, , n]) => Array(n).fill(t));
  outChannels.forEach((out, block) => {
    const prefix = block === 0 ? 'expanded_conv_' : `block_${block}_`;
    const stride = strides[block]!;
    let h = x;
    if (block > 0) {
      h = apply(conv(inChannels * expansions[block]!, 1, 1, `${prefix}expand`), h);
      h = apply(relu6(`${prefix}expand_relu`), apply(bn(`${prefix}expand_BN`), h));
    }
    const depthwise = tf.layers.depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: init(),
      name: `${prefix}depthwise`,
    });
    h = apply(
      relu6(`${prefix}depthwise_relu`),
      apply(bn(`${prefix}depthwise_BN`), apply(depthwise, h)),
    );
    h = apply(bn(`${prefix}project_BN`), apply(conv(out, 1, 1, `${prefix}project`), h));
    if (stride === 1 && inChannels === out)
      h = apply(tf.layers.add({ name: `${prefix}add` }), [x, h]);
    x = h;
    inChannels = out;
  });
  x = apply(conv(topChannels(alpha), 1, 1, 'Conv_1'), x);
  x = apply(relu6('out_relu'), apply(bn('Conv_1_bn'), x));
  return tf.model({ inputs: input, outputs: x, name });
}

const SMALL_ALPHA = 0.35;

export const mobilenetV2SmallConfig: PretrainedConfig = {
  inputSize: 96,
  minInputSize: 32,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  interpolation: 'bilinear',
  embeddingLayer: 'out_relu',
  embeddingDim: topChannels(SMALL_ALPHA),
  taps: mobilenetV2Taps(SMALL_ALPHA),
  licence: 'MIT (architecture only, no weights)',
  source: 'visiontune: MobileNetV2 (Sandler et al. 2018), width 0.35, random init',
};

export async function buildMobilenetV2Small(options: BuildOptions): Promise<tf.LayersModel> {
  if (options.pretrained)
    throw badUsage(
      'mobilenet_v2_035 has no pretrained weights here; use pretrained: false, or mobilenet_v2_035.imagenet',
    );
  const size = resolveInputSize('mobilenet_v2_035', mobilenetV2SmallConfig, options.inputSize);
  return mobilenetV2Body(SMALL_ALPHA, size, options.seed ?? 0, 'mobilenet_v2_035');
}

export const mobilenetV2Small: BackboneEntry = {
  name: 'mobilenet_v2_035',
  description: 'MobileNetV2 width 0.35 from scratch (random init), 96 px default; small and fast',
  hasPretrained: false,
  config: mobilenetV2SmallConfig,
  blocks: mobilenetV2Blocks,
  build: buildMobilenetV2Small,
};
