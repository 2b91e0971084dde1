// MobileNetV2 at width 0.35, built from scratch (random init, seeded) for small inputs and fast
// tests. Keras layer names and channel rounding, 'same' padding instead of explicit ZeroPadding
// (so any input that is a multiple of 32 gives exact strides). Standard layers only: it saves
// and loads with model.save / tf.loadLayersModel.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { initializerSeed } from '../util/init-seed.js';
import { batchNormalization } from './batchnorm-fix.js';
import { resolveInputSize } from './input-size.js';
import { mobilenetV2Blocks } from './mobilenet-v2.js';
import { reLU } from './relu-layer.js';
import type { BackboneEntry, BuildOptions, PretrainedConfig } from './types.js';

const ALPHA = 0.35;
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

/** Keras's _make_divisible: round to a multiple of 8, never dropping more than 10%. */
function divisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

export const mobilenetV2SmallConfig: PretrainedConfig = {
  inputSize: 96,
  minInputSize: 32,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  interpolation: 'bilinear',
  embeddingLayer: 'out_relu',
  embeddingDim: 1280,
  taps: [
    { stride: 4, layer: 'block_3_expand_relu', channels: 48 },
    { stride: 8, layer: 'block_6_expand_relu', channels: 96 },
    { stride: 16, layer: 'block_13_expand_relu', channels: 192 },
    { stride: 32, layer: 'out_relu', channels: 1280 },
  ],
  licence: 'MIT (architecture only, no weights)',
  source: 'visiontune: MobileNetV2 (Sandler et al. 2018), width 0.35, random init',
};

export async function buildMobilenetV2Small(options: BuildOptions): Promise<tf.LayersModel> {
  if (options.pretrained)
    throw badUsage('mobilenet_v2_035 has no pretrained weights; use pretrained: false');
  const size = resolveInputSize('mobilenet_v2_035', mobilenetV2SmallConfig, options.inputSize);
  let seed = options.seed ?? 0;
  const init = () => tf.initializers.heNormal({ seed: initializerSeed(seed++) });
  const bn = (name: string) => batchNormalization({ name, momentum: 0.999, epsilon: 1e-3 });
  const relu6 = (name: string) => reLU({ name, maxValue: 6 });
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
  let x = conv(divisible(32 * ALPHA), 3, 2, 'Conv1').apply(input) as tf.SymbolicTensor;
  x = relu6('Conv1_relu').apply(bn('bn_Conv1').apply(x)) as tf.SymbolicTensor;
  let inChannels = divisible(32 * ALPHA);
  let block = 0;
  for (const [t, c, n, s] of STAGES) {
    const outChannels = divisible(c * ALPHA);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const prefix = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      const shortcut = x;
      let h = x;
      if (t !== 1) {
        h = conv(inChannels * t, 1, 1, `${prefix}expand`).apply(h) as tf.SymbolicTensor;
        h = relu6(`${prefix}expand_relu`).apply(
          bn(`${prefix}expand_BN`).apply(h),
        ) as tf.SymbolicTensor;
      }
      h = tf.layers
        .depthwiseConv2d({
          kernelSize: 3,
          strides: stride,
          padding: 'same',
          useBias: false,
          depthwiseInitializer: init(),
          name: `${prefix}depthwise`,
        })
        .apply(h) as tf.SymbolicTensor;
      h = relu6(`${prefix}depthwise_relu`).apply(
        bn(`${prefix}depthwise_BN`).apply(h),
      ) as tf.SymbolicTensor;
      h = conv(outChannels, 1, 1, `${prefix}project`).apply(h) as tf.SymbolicTensor;
      h = bn(`${prefix}project_BN`).apply(h) as tf.SymbolicTensor;
      if (stride === 1 && inChannels === outChannels) {
        h = tf.layers.add({ name: `${prefix}add` }).apply([shortcut, h]) as tf.SymbolicTensor;
      }
      x = h;
      inChannels = outChannels;
      block++;
    }
  }
  x = conv(1280, 1, 1, 'Conv_1').apply(x) as tf.SymbolicTensor;
  x = relu6('out_relu').apply(bn('Conv_1_bn').apply(x)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_v2_035' });
}

export const mobilenetV2Small: BackboneEntry = {
  name: 'mobilenet_v2_035',
  description: 'MobileNetV2 width 0.35 from scratch (random init), 96 px default; small and fast',
  hasPretrained: false,
  config: mobilenetV2SmallConfig,
  blocks: mobilenetV2Blocks,
  build: buildMobilenetV2Small,
};
