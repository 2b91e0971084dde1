// A U-Net-style decoder (Ronneberger et al. 2015) on a registry backbone's taps: from the deepest
// tap up, each step doubles the resolution (bilinear), concatenates the tap at that stride (the
// skip connection) and mixes with two 3×3 conv–BatchNorm–ReLU blocks; per-pixel class logits at
// the shallowest tap's stride are upsampled (bilinear) to the input size. Output [B, S, S, C].
import * as tf from '@tensorflow/tfjs';
import { layerNamer } from '../layer-names.js';
import {
  apply,
  buildSegmenter,
  convBlocks,
  type DecoderOptions,
  type SegmentationDecoder,
  type SegmentationHeadOptions,
  type Segmenter,
  segmentationLogits,
} from './segmenter.js';

/** The taps the U-Net decoder reads, shallowest first. */
export const UNET_STRIDES = [4, 8, 16, 32] as const;

/** The decoder on the stride-4/8/16/32 maps: logits [B, S, S, C]. */
export function unetHead(
  maps: readonly tf.SymbolicTensor[],
  options: SegmentationHeadOptions,
): tf.SymbolicTensor {
  const seed = options.seed ?? 0;
  const named = layerNamer(options.prefix);
  const { convBnRelu } = convBlocks(seed, 3_000, named);
  let x = options.bottleneck ? convBnRelu(maps[3], options.bottleneck, 1, 'dec_reduce') : maps[3];
  let width = options.channels ?? 128;
  for (let i = 2; i >= 0; i--) {
    const up = apply(
      tf.layers.upSampling2d({
        size: [2, 2],
        interpolation: 'bilinear',
        name: named(`dec_up_${i}`),
      }),
      x,
    );
    x = apply(tf.layers.concatenate({ name: named(`dec_skip_${i}`) }), [up, maps[i]]);
    x = convBnRelu(x, width, 3, `dec_${i}_a`);
    x = convBnRelu(x, width, 3, `dec_${i}_b`);
    width = Math.max(16, width / 2);
  }
  return segmentationLogits(x, {
    numClasses: options.numClasses,
    seed,
    logitsSeedIndex: 3_999,
    named,
  });
}

/** The decoder as the segmentation builders and the multi-task network take it. */
export const UNET_DECODER: SegmentationDecoder = {
  name: 'unet',
  strides: UNET_STRIDES,
  head: unetHead,
};

export function buildUnet(options: DecoderOptions): Promise<Segmenter> {
  return buildSegmenter(options, UNET_DECODER);
}
