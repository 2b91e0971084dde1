// A DeepLabV3+ decoder (Chen et al. 2018) on a registry backbone's taps: ASPP on the deepest tap
// (a 1×1 conv, three 3×3 atrous convs and image pooling, concatenated and projected), upsampled
// ×8 (bilinear) to the stride-4 tap, whose low-level features (1×1 conv to 48 channels) it is
// concatenated with; two 3×3 convs, class logits, ×4 bilinear to the input size. The paper's
// rates 6/12/18 are for output stride 16; the deepest tap here is at stride 32 (the backbone is
// not re-dilated), so the rates are halved to 3/6/9 to cover the same image area.
import * as tf from '@tensorflow/tfjs';
import { initializerSeed } from '../../util/init-seed.js';
import { layerNamer } from '../layer-names.js';
import { AtrousConv2D } from './atrous-conv.js';
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

export const ASPP_RATES = [3, 6, 9] as const;

/** The taps DeepLabV3+ reads: low-level features and the deepest map. */
export const DEEPLAB_STRIDES = [4, 32] as const;

/** ASPP + decoder on the stride-4 and stride-32 maps: logits [B, S, S, C]. */
export function deeplabHead(
  maps: readonly tf.SymbolicTensor[],
  options: SegmentationHeadOptions,
): tf.SymbolicTensor {
  const seed = options.seed ?? 0;
  const width = options.channels ?? 128;
  const named = layerNamer(options.prefix);
  const { bnRelu, convBnRelu: conv } = convBlocks(seed, 4_000, named);
  const [low, deep] = maps;
  const side = deep.shape[1] as number;
  const branches = [
    conv(deep, width, 1, 'aspp_1x1'),
    ...ASPP_RATES.map((rate) =>
      bnRelu(
        apply(
          new AtrousConv2D({
            name: named(`aspp_rate${rate}_conv`),
            filters: width,
            rate,
            useBias: false,
            seed: initializerSeed(seed, 4_100 + rate),
          }),
          deep,
        ),
        `aspp_rate${rate}`,
      ),
    ),
  ];
  // Image pooling: the global context, spread back over the map.
  let pooled = apply(tf.layers.globalAveragePooling2d({ name: named('aspp_pool') }), deep);
  pooled = apply(
    tf.layers.reshape({
      name: named('aspp_pool_map'),
      targetShape: [1, 1, deep.shape[3] as number],
    }),
    pooled,
  );
  pooled = conv(pooled, width, 1, 'aspp_pool_proj');
  branches.push(
    apply(tf.layers.upSampling2d({ name: named('aspp_pool_up'), size: [side, side] }), pooled),
  );
  let x = conv(
    apply(tf.layers.concatenate({ name: named('aspp_concat') }), branches),
    width,
    1,
    'aspp_out',
  );
  x = apply(
    tf.layers.upSampling2d({ size: [8, 8], interpolation: 'bilinear', name: named('dec_up') }),
    x,
  );
  const lowProjected = conv(low, 48, 1, 'dec_low');
  x = apply(tf.layers.concatenate({ name: named('dec_concat') }), [x, lowProjected]);
  x = conv(x, width, 3, 'dec_a');
  x = conv(x, width, 3, 'dec_b');
  return segmentationLogits(x, {
    numClasses: options.numClasses,
    seed,
    logitsSeedIndex: 4_999,
    named,
  });
}

/** The decoder as the segmentation builders and the multi-task network take it. */
export const DEEPLAB_DECODER: SegmentationDecoder = {
  name: 'deeplabv3plus',
  strides: DEEPLAB_STRIDES,
  head: deeplabHead,
};

export function buildDeeplabV3Plus(options: DecoderOptions): Promise<Segmenter> {
  return buildSegmenter(options, DEEPLAB_DECODER);
}
