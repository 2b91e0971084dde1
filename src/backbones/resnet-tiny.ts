// A tiny ResNet (He et al. 2016) built from scratch: 3x3 stride-2 stem + 2x2 max pool, then four
// stages of one BasicBlock each (16/32/64/128 channels) ending at strides 4/8/16/32. Random init
// (seeded), 64 px default. For fast tests and small-data baselines; standard Keras layers only.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { initializerSeed } from '../util/init-seed.js';
import { batchNormalization } from './batchnorm-fix.js';
import { resolveInputSize } from './input-size.js';
import type { BackboneEntry, BlockRule, BuildOptions, PretrainedConfig } from './types.js';

const WIDTHS = [16, 32, 64, 128];
const BLOCKS_PER_STAGE = 1;

export const resnetTinyConfig: PretrainedConfig = {
  inputSize: 64,
  minInputSize: 32,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  interpolation: 'bilinear',
  embeddingLayer: 'stage4_out',
  embeddingDim: 128,
  taps: WIDTHS.map((channels, i) => ({
    stride: (4 << i) as 4 | 8 | 16 | 32,
    layer: `stage${i + 1}_out`,
    channels,
  })),
  licence: 'MIT (architecture only, no weights)',
  source: 'visiontune: ResNet with BasicBlocks, stages 16/32/64/128, random init',
};

/** Stem (`stem_*`), then one block per BasicBlock (`stageS_blockB`); `stageS_out` ends its stage. */
export const resnetTinyBlocks: BlockRule = {
  blockOf: (name) => {
    if (name.startsWith('stem_')) return 'stem';
    const block = /^stage\d+_block\d+(?=_)/.exec(name);
    if (block) return block[0];
    const out = /^(stage\d+)_out$/.exec(name);
    return out ? `${out[1]}_block${BLOCKS_PER_STAGE}` : undefined;
  },
};

export async function buildResnetTiny(options: BuildOptions): Promise<tf.LayersModel> {
  if (options.pretrained)
    throw badUsage('resnet_tiny has no pretrained weights; use pretrained: false');
  const size = resolveInputSize('resnet_tiny', resnetTinyConfig, options.inputSize);
  let seed = options.seed ?? 0;
  const conv = (filters: number, kernel: number, stride: number, name: string) =>
    tf.layers.conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: initializerSeed(seed++) }),
      name,
    });
  const bn = (name: string) => batchNormalization({ name, momentum: 0.9, epsilon: 1e-5 });
  const relu = (name: string) => tf.layers.reLU({ name });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;

  const input = tf.input({ shape: [size, size, 3], name: 'input' });
  let x = apply(
    relu('stem_relu'),
    apply(bn('stem_bn'), apply(conv(WIDTHS[0], 3, 2, 'stem_conv'), input)),
  );
  x = apply(
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'stem_pool' }),
    x,
  );
  let channels = WIDTHS[0];
  WIDTHS.forEach((width, stage) => {
    for (let b = 0; b < BLOCKS_PER_STAGE; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const last = b === BLOCKS_PER_STAGE - 1;
      const p = `stage${stage + 1}_block${b + 1}`;
      let h = apply(
        relu(`${p}_relu1`),
        apply(bn(`${p}_bn1`), apply(conv(width, 3, stride, `${p}_conv1`), x)),
      );
      h = apply(bn(`${p}_bn2`), apply(conv(width, 3, 1, `${p}_conv2`), h));
      const shortcut =
        stride !== 1 || channels !== width
          ? apply(bn(`${p}_down_bn`), apply(conv(width, 1, stride, `${p}_down_conv`), x))
          : x;
      h = apply(tf.layers.add({ name: `${p}_add` }), [shortcut, h]);
      x = apply(relu(last ? `stage${stage + 1}_out` : `${p}_out`), h);
      channels = width;
    }
  });
  return tf.model({ inputs: input, outputs: x, name: 'resnet_tiny' });
}

export const resnetTiny: BackboneEntry = {
  name: 'resnet_tiny',
  description:
    'Tiny ResNet (BasicBlocks, 16/32/64/128 channels) from scratch, 64 px default; for tests and small data',
  hasPretrained: false,
  config: resnetTinyConfig,
  blocks: resnetTinyBlocks,
  build: buildResnetTiny,
};
