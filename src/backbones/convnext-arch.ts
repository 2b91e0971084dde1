// The Keras ConvNeXt-Tiny architecture (keras.applications ConvNeXtTiny; Liu et al. 2022), built
// in code with Keras's layer names and order so its ImageNet weight file loads into it
// (zoo/keras-families.ts): a 4x4 stride-4 stem, four stages of blocks (7x7 depthwise conv,
// LayerNorm, MLP with exact GELU, layer scale, residual add) joined by LayerNorm + 2x2 stride-2
// convs, and — Keras's no-top model — a final LayerNorm over channels. Keras's PreStem
// Normalization is the entry's ImageNet mean/std; its drop path is 0 (an identity).
import * as tf from '@tensorflow/tfjs';
import { kerasKit, type Sym } from './keras-kit.js';
import { layerScale } from './layer-scale.js';
import type { BlockRule, FeatureTap } from './types.js';

const DEPTHS = [3, 3, 9, 3];
const DIMS = [96, 192, 384, 768];
const EPSILON = 1e-6;
const LAYER_SCALE_INIT = 1e-6;
const PREFIX = 'convnext_tiny';
/** Keras leaves the no-top model's last LayerNorm unnamed: a fresh session names it so. */
export const CONVNEXT_OUTPUT = 'layer_normalization';

const block = (i: number, j: number) => `${PREFIX}_stage_${i}_block_${j}`;

/** The last layer at each stride (the LayerNorm before each downsampling conv) and the output. */
export const convnextTaps: FeatureTap[] = [
  ...[0, 1, 2].map((i) => ({
    stride: (4 << i) as FeatureTap['stride'],
    layer: `${PREFIX}_downsampling_layernorm_${i}`,
    channels: DIMS[i]!,
  })),
  { stride: 32, layer: CONVNEXT_OUTPUT, channels: DIMS[3]! },
];

/** The stem, then each block (ending at its residual add; downsampling joins the next block). */
export const convnextBlocks: BlockRule = {
  stemEnd: `${PREFIX}_stem_layernorm`,
  ends: DEPTHS.flatMap((n, i) => Array.from({ length: n }, (_, j) => `${block(i, j)}_add`)),
};

export const CONVNEXT_CHANNELS = DIMS[3]!;

/** The Keras ConvNeXt-Tiny body (no top), random init from `seed`. */
export function convnextTinyBody(size: number, seed: number, name: string): tf.LayersModel {
  const k = kerasKit(seed);
  const layerNorm = (n: string) => tf.layers.layerNormalization({ name: n, epsilon: EPSILON });
  const dense = (n: string, units: number) =>
    tf.layers.dense({ name: n, units, kernelInitializer: 'glorotUniform' });
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x: Sym = k.chain(
    input,
    k.conv(`${PREFIX}_stem_conv`, DIMS[0]!, 4, { strides: 4, padding: 'valid', useBias: true }),
    layerNorm(`${PREFIX}_stem_layernorm`),
  );
  DEPTHS.forEach((n, i) => {
    const dim = DIMS[i]!;
    if (i > 0)
      x = k.chain(
        x,
        layerNorm(`${PREFIX}_downsampling_layernorm_${i - 1}`),
        k.conv(`${PREFIX}_downsampling_conv_${i - 1}`, dim, 2, {
          strides: 2,
          padding: 'valid',
          useBias: true,
        }),
      );
    for (let j = 0; j < n; j++) {
      const b = block(i, j);
      // Keras's Conv2D(groups=dim): a depthwise conv (the file's [7, 7, 1, dim] kernel is
      // reshaped to tfjs's [7, 7, dim, 1] at load, the same values in the same order).
      const h = k.chain(
        x,
        k.depthwise(`${b}_depthwise_conv`, 7, { useBias: true }),
        layerNorm(`${b}_layernorm`),
        dense(`${b}_pointwise_conv_1`, 4 * dim),
        tf.layers.activation({ name: `${b}_gelu`, activation: 'gelu' as never }),
        dense(`${b}_pointwise_conv_2`, dim),
        layerScale({ name: `${b}_layer_scale`, initValue: LAYER_SCALE_INIT, channels: dim }),
      );
      x = k.apply(tf.layers.add({ name: `${b}_add` }), [x, h]);
    }
  });
  x = k.apply(layerNorm(CONVNEXT_OUTPUT), x);
  return tf.model({ inputs: input, outputs: x, name });
}
