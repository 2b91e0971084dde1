// Pretrained MobileNetV2 (alpha 1.0, 224 px): the Keras body of nsfwjs's MobileNetV2. Its weights
// were fine-tuned away from ImageNet for nsfwjs's 5 classes; the head is dropped here.
import type * as tf from '@tensorflow/tfjs';
import { resolveInputSize } from './input-size.js';
import { buildNsfwjsBody } from './nsfwjs-body.js';
import type { BackboneEntry, BlockRule, BuildOptions, PretrainedConfig } from './types.js';

export const mobilenetV2Config: PretrainedConfig = {
  inputSize: 224,
  minInputSize: 32,
  // nsfwjs feeds pixel / 255 (core.js: img.toFloat().div(255)), i.e. [0, 1].
  mean: [0, 0, 0],
  std: [1, 1, 1],
  interpolation: 'bilinear',
  // The body's output (finetune and the other networks end here).
  embeddingLayer: 'out_relu',
  // Evidence for the default frozen embedding (bench/rank, bench/results/rank-2026-12-07.json):
  // as one fixed layer over 8 set × size cases (Fashion-MNIST K = 10 and 50, MNIST K = 10 at 96
  // and 160 px; two Debian photo sets at 224 px), block_13_expand_relu (the stride-16 tap,
  // 576-d) has the best mean linear-probe test accuracy, 83.1%, 0.1 points under each case's
  // best single layer (1st of 21 on the six 28 px cases, 2nd on both photo sets) and above
  // out_relu in all 8; out_relu averages 70.2%, 13.0 points under, 11th to 20th of 21 (these
  // weights were fine-tuned off ImageNet for nsfwjs, so the top block is the most task-specific).
  // `--layer auto` (LogME on the user's labelled images) does better still, and is the default
  // wherever there are labels.
  frozenLayer: 'block_13_expand_relu',
  embeddingDim: 1280,
  // Last cut point at each stride (graph.ts findTaps at 224 px); the expand_relu layers are the
  // usual MobileNetV2 skip connections for U-Net style decoders.
  taps: [
    { stride: 4, layer: 'block_3_expand_relu', channels: 144 },
    { stride: 8, layer: 'block_6_expand_relu', channels: 192 },
    { stride: 16, layer: 'block_13_expand_relu', channels: 576 },
    { stride: 32, layer: 'out_relu', channels: 1280 },
  ],
  licence: 'MIT (nsfwjs by Infinite Red); base architecture Apache-2.0 (Keras applications)',
  source: 'npm nsfwjs@4.3.0 dist/models/mobilenet_v2 (Keras 2.2.4, uint8-quantized)',
};

/**
 * Keras MobileNetV2 names: stem `Conv1*` / `bn_Conv1`; the 17 inverted-residual blocks
 * `expanded_conv` (block 0) and `block_1`..`block_16`; top `Conv_1`, `Conv_1_bn`, `out_relu`, the
 * 1x1 conv to 1280 channels. The top counts as the last block: `--unfreeze 1` trains it and the
 * head, `--unfreeze 2` adds block_16, so unfrozen layers always reach the head without a gap.
 */
export const mobilenetV2Blocks: BlockRule = {
  blockOf: (name) => {
    if (name.startsWith('Conv1') || name === 'bn_Conv1') return 'stem';
    if (name.startsWith('expanded_conv')) return 'expanded_conv';
    const block = /^block_\d+(?=_)/.exec(name);
    if (block) return block[0];
    if (name === 'Conv_1' || name === 'Conv_1_bn' || name === 'out_relu') return 'top';
    return undefined;
  },
};

export function buildMobilenetV2(options: BuildOptions): Promise<tf.LayersModel> {
  const inputSize = resolveInputSize('mobilenet_v2', mobilenetV2Config, options.inputSize);
  return buildNsfwjsBody('mobilenet_v2', 'out_relu', 'mobilenet_v2', 224, {
    ...options,
    inputSize,
  });
}

export const mobilenetV2: BackboneEntry = {
  name: 'mobilenet_v2',
  description:
    'MobileNetV2 1.0 @224, weights from nsfwjs (fine-tuned off ImageNet). Probe block_12_add (96-d) too: it beat out_relu on a texture task',
  hasPretrained: true,
  config: mobilenetV2Config,
  blocks: mobilenetV2Blocks,
  build: buildMobilenetV2,
};
