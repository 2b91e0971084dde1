// What the segmentation decoders share: their options and result, conv–BatchNorm–ReLU blocks
// with seeded initializers, and the common end — 1×1 class logits at stride 4, upsampled
// (bilinear) to the input size: output [B, S, S, C].
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import type { PretrainedConfig } from '../../backbones/index.js';
import type { BackboneEntry } from '../../backbones/types.js';
import { badUsage } from '../../errors.js';
import { initializerSeed } from '../../util/init-seed.js';
import type { TapsBody } from '../backbone-taps.js';

export interface DecoderOptions {
  backbone: string;
  pretrained: boolean;
  numClasses: number;
  inputSize: number;
  /** Decoder width (U-Net: at the deepest step, halved at each shallower one, not below 16). */
  channels?: number;
  seed?: number;
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
export function convBlocks(seed: number, base: number) {
  let index = 0;
  const bnRelu = (x: tf.SymbolicTensor, name: string) =>
    apply(
      tf.layers.reLU({ name: `${name}_relu` }),
      apply(batchNormalization({ name: `${name}_bn`, momentum: 0.9 }), x),
    );
  const convBnRelu = (x: tf.SymbolicTensor, filters: number, kernel: number, name: string) =>
    bnRelu(
      apply(
        tf.layers.conv2d({
          name: `${name}_conv`,
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

/** Class logits from stride-4 features `x`, upsampled ×4 to the input: the finished model. */
export function finishSegmenter(
  taps: TapsBody,
  x: tf.SymbolicTensor,
  options: { numClasses: number; seed: number; logitsSeedIndex: number; name: string },
): Segmenter {
  const logits = apply(
    tf.layers.conv2d({
      name: 'head_logits',
      filters: options.numClasses,
      kernelSize: 1,
      kernelInitializer: tf.initializers.glorotUniform({
        seed: initializerSeed(options.seed, options.logitsSeedIndex),
      }),
    }),
    x,
  );
  const output = apply(
    tf.layers.upSampling2d({ size: [4, 4], interpolation: 'bilinear', name: 'head_upsample' }),
    logits,
  );
  return {
    model: tf.model({ inputs: taps.body.inputs, outputs: output, name: options.name }),
    backboneConfig: taps.config,
    entry: taps.entry,
    backboneLayers: taps.backboneLayers,
  };
}
