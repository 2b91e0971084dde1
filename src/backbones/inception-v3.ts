// Pretrained InceptionV3 (299 px): the Keras body of nsfwjs's InceptionV3, head dropped.
// Keras uses 'valid' padding, so feature maps are 149/147/73/71/35/17/8 at 299 px and strides
// are approximate: a tap's stride is the nearest power of two to input / height.
import type * as tf from '@tensorflow/tfjs';
import { resolveInputSize } from './input-size.js';
import { buildNsfwjsBody } from './nsfwjs-body.js';
import type { BackboneEntry, BlockRule, BuildOptions, PretrainedConfig } from './types.js';

export const inceptionV3Config: PretrainedConfig = {
  inputSize: 299,
  // Keras's own minimum: below 75 px a 'valid' 3x3 conv meets a smaller-than-kernel map.
  minInputSize: 75,
  // nsfwjs feeds pixel / 255 (core.js: img.toFloat().div(255)), i.e. [0, 1].
  mean: [0, 0, 0],
  std: [1, 1, 1],
  interpolation: 'bilinear',
  embeddingLayer: 'mixed10',
  embeddingDim: 2048,
  // Last cut point at each stride at 299 px: 71x71 (299/71 = 4.2), 35x35 (8.5), 17x17 (17.6),
  // 8x8 (37). At 75 px mixed7 is 3x3 and mixed10 1x1, so spatial sizes shrink faster than input/stride.
  taps: [
    { stride: 4, layer: 'activation_5', channels: 192 },
    { stride: 8, layer: 'mixed2', channels: 288 },
    { stride: 16, layer: 'mixed7', channels: 768 },
    { stride: 32, layer: 'mixed10', channels: 2048 },
  ],
  licence: 'MIT (nsfwjs by Infinite Red); base architecture Apache-2.0 (Keras applications)',
  source: 'npm nsfwjs@4.3.0 dist/models/inception_v3 (Keras 2.2.4, uint8-quantized)',
};

/** Stem up to the second max pool, then the 11 Inception blocks, each ending at its `mixedK`. */
export const inceptionV3Blocks: BlockRule = {
  stemEnd: 'max_pooling2d_2',
  ends: Array.from({ length: 11 }, (_, k) => `mixed${k}`),
};

export function buildInceptionV3(options: BuildOptions): Promise<tf.LayersModel> {
  const inputSize = resolveInputSize('inception_v3', inceptionV3Config, options.inputSize);
  return buildNsfwjsBody('inception_v3', 'mixed10', 'inception_v3', 299, { ...options, inputSize });
}

export const inceptionV3: BackboneEntry = {
  name: 'inception_v3',
  description: 'InceptionV3 @299, weights from nsfwjs (fine-tuned off ImageNet); 75 px minimum',
  hasPretrained: true,
  config: inceptionV3Config,
  blocks: inceptionV3Blocks,
  build: buildInceptionV3,
};
