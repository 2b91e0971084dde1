// What the segmentation decoders share: their options and result, conv–BatchNorm–ReLU blocks
// with seeded initializers, and the common end — 1×1 class logits at stride 4, upsampled
// (bilinear) to the input size: output [B, S, S, C]. The decoders build on given tap tensors
// (unetHead, deeplabHead) so a multi-task network can put one on a shared backbone.
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import type { TapStride } from '../../backbones/graph.js';
import type { PretrainedConfig } from '../../backbones/index.js';
import type { BackboneEntry } from '../../backbones/types.js';
import { badUsage } from '../../errors.js';
import { initializerSeed } from '../../util/init-seed.js';
import { backboneTaps, type TapsBody } from '../backbone-taps.js';
import { type LayerNamer, layerNamer } from '../layer-names.js';

export interface DecoderOptions {
  backbone: string;
  pretrained: boolean;
  numClasses: number;
  inputSize: number;
  /** Decoder width (U-Net: at the deepest step, halved at each shallower one, not below 16). */
  channels?: number;
  seed?: number;
}

/** What a decoder head needs besides its taps. */
export interface SegmentationHeadOptions {
  numClasses: number;
  /** Decoder width, as DecoderOptions.channels. Default 128. */
  channels?: number;
  /**
   * U-Net: a 1×1 conv–BN–ReLU first reduces the deepest tap to this many channels (a backbone's
   * last map is wide — 1280 on MobileNetV2 — and the first 3×3 conv on it is most of the decoder's
   * weights). Default: none, the tap is read as it is.
   */
  bottleneck?: number;
  seed?: number;
  /** Layer-name prefix (layer-names.ts); default: the single-task decoders' names. */
  prefix?: string;
}

export interface Segmenter {
  model: tf.LayersModel;
  backboneConfig: PretrainedConfig;
  entry: BackboneEntry;
  /** Layers of the backbone, for freezing and learning-rate groups. */
  backboneLayers: Set<string>;
}

export function checkDecoderInput(inputSize: number): void {
  if (inputSize % 32 !== 0)
    throw badUsage(`image size: must be a multiple of 32 for the decoder (got ${inputSize})`);
}

export const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
  layer.apply(x) as tf.SymbolicTensor;

/** Blocks whose initializer seeds count up from `base` (each decoder keeps its own range). */
export function convBlocks(seed: number, base: number, named: LayerNamer = layerNamer()) {
  let index = 0;
  const bnRelu = (x: tf.SymbolicTensor, name: string) =>
    apply(
      tf.layers.reLU({ name: named(`${name}_relu`) }),
      apply(batchNormalization({ name: named(`${name}_bn`), momentum: 0.9 }), x),
    );
  const convBnRelu = (x: tf.SymbolicTensor, filters: number, kernel: number, name: string) =>
    bnRelu(
      apply(
        tf.layers.conv2d({
          name: named(`${name}_conv`),
          filters,
          kernelSize: kernel,
          padding: 'same',
          useBias: false,
          kernelInitializer: tf.initializers.heNormal({
            seed: initializerSeed(seed, base + index++),
          }),
        }),
        x,
      ),
      name,
    );
  return { bnRelu, convBnRelu };
}

/** Class logits from stride-4 features `x`, upsampled ×4 to the input: [B, S, S, C]. */
export function segmentationLogits(
  x: tf.SymbolicTensor,
  options: { numClasses: number; seed: number; logitsSeedIndex: number; named: LayerNamer },
): tf.SymbolicTensor {
  const logits = apply(
    tf.layers.conv2d({
      name: options.named('head_logits'),
      filters: options.numClasses,
      kernelSize: 1,
      kernelInitializer: tf.initializers.glorotUniform({
        seed: initializerSeed(options.seed, options.logitsSeedIndex),
      }),
    }),
    x,
  );
  return apply(
    tf.layers.upSampling2d({
      size: [4, 4],
      interpolation: 'bilinear',
      name: options.named('head_upsample'),
    }),
    logits,
  );
}

/** The single-task segmenter: the backbone body in, the decoder's logits out. */
export function segmenterModel(taps: TapsBody, output: tf.SymbolicTensor, name: string): Segmenter {
  return {
    model: tf.model({ inputs: taps.body.inputs, outputs: output, name }),
    backboneConfig: taps.config,
    entry: taps.entry,
    backboneLayers: taps.backboneLayers,
  };
}

/** A decoder: the backbone strides it reads, and its head on those maps. */
export interface SegmentationDecoder {
  name: string;
  strides: readonly TapStride[];
  head: (maps: readonly tf.SymbolicTensor[], options: SegmentationHeadOptions) => tf.SymbolicTensor;
}

/** The decoder on a registry backbone's taps at its strides: the single-task segmenter. */
export async function buildSegmenter(
  options: DecoderOptions,
  decoder: SegmentationDecoder,
): Promise<Segmenter> {
  const { inputSize } = options;
  const seed = options.seed ?? 0;
  checkDecoderInput(inputSize);
  const taps = await backboneTaps(options.backbone, decoder.strides, {
    inputSize,
    pretrained: options.pretrained,
    seed,
  });
  const output = decoder.head(taps.body.outputs, {
    numClasses: options.numClasses,
    channels: options.channels,
    seed,
  });
  return segmenterModel(taps, output, `${taps.entry.name}_${decoder.name}`);
}
