// A U-Net-style decoder (Ronneberger et al. 2015) on a registry backbone's taps: from the deepest
// tap up, each step doubles the resolution (bilinear), concatenates the tap at that stride (the
// skip connection) and mixes with two 3×3 conv–BatchNorm–ReLU blocks; per-pixel class logits at
// the shallowest tap's stride are upsampled (bilinear) to the input size. Output [B, S, S, C].
import * as tf from '@tensorflow/tfjs';
import { backboneTaps } from '../backbone-taps.js';
import {
  apply,
  checkDecoderInput,
  convBlocks,
  type DecoderOptions,
  finishSegmenter,
  type Segmenter,
} from './segmenter.js';

export async function buildUnet(options: DecoderOptions): Promise<Segmenter> {
  const { inputSize } = options;
  const seed = options.seed ?? 0;
  checkDecoderInput(inputSize);
  const taps = await backboneTaps(options.backbone, [4, 8, 16, 32], {
    inputSize,
    pretrained: options.pretrained,
    seed,
  });
  const { convBnRelu } = convBlocks(seed, 3_000);
  const maps = taps.body.outputs; // strides 4, 8, 16, 32
  let x = maps[3];
  let width = options.channels ?? 128;
  for (let i = 2; i >= 0; i--) {
    const up = apply(
      tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: `dec_up_${i}` }),
      x,
    );
    x = apply(tf.layers.concatenate({ name: `dec_skip_${i}` }), [up, maps[i]]);
    x = convBnRelu(x, width, 3, `dec_${i}_a`);
    x = convBnRelu(x, width, 3, `dec_${i}_b`);
    width = Math.max(16, width / 2);
  }
  return finishSegmenter(taps, x, {
    numClasses: options.numClasses,
    seed,
    logitsSeedIndex: 3_999,
    name: `${taps.entry.name}_unet`,
  });
}
