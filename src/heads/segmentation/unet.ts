// A U-Net-style decoder (Ronneberger et al. 2015) on a registry backbone's taps: from the deepest
// tap up, each step doubles the resolution (bilinear), concatenates the tap at that stride (the
// skip connection) and mixes with two 3×3 conv–BatchNorm–ReLU blocks; per-pixel class logits at
// the shallowest tap's stride are upsampled (bilinear) to the input size. Output [B, S, S, C].
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import { createModel, type PretrainedConfig } from '../../backbones/index.js';
import type { BackboneEntry } from '../../backbones/types.js';
import { badUsage } from '../../errors.js';
import { initializerSeed } from '../../util/init-seed.js';

export interface UnetOptions {
  backbone: string;
  pretrained: boolean;
  numClasses: number;
  inputSize: number;
  /** Decoder width at the deepest step, halved at each shallower one (not below 16). */
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

const STRIDES = [4, 8, 16, 32] as const;

export async function buildUnet(options: UnetOptions): Promise<Segmenter> {
  const { inputSize, numClasses } = options;
  const seed = options.seed ?? 0;
  if (inputSize % 32 !== 0)
    throw badUsage(`image size: must be a multiple of 32 for the decoder (got ${inputSize})`);
  const features = await createModel(options.backbone, {
    featuresOnly: true,
    taps: [...STRIDES],
    inputSize,
    pretrained: options.pretrained,
    seed,
  });
  const body = features.model;
  const got = body.outputs.map((o) => o.shape[1]);
  const want = STRIDES.map((s) => inputSize / s);
  if (got.join() !== want.join()) {
    body.dispose();
    throw badUsage(
      `backbone ${options.backbone}: its stride-4/8/16/32 feature maps are ${got.join(', ')} px at ${inputSize} px, not ${want.join(', ')}; the decoder needs 'same'-padded backbones`,
    );
  }
  let initIndex = 0;
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const convBnRelu = (x: tf.SymbolicTensor, filters: number, name: string) => {
    const conv = tf.layers.conv2d({
      name: `${name}_conv`,
      filters,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({
        seed: initializerSeed(seed, 3_000 + initIndex++),
      }),
    });
    const bn = batchNormalization({ name: `${name}_bn`, momentum: 0.9 });
    return apply(tf.layers.reLU({ name: `${name}_relu` }), apply(bn, apply(conv, x)));
  };

  const taps = body.outputs; // strides 4, 8, 16, 32
  let x = taps[3];
  let width = options.channels ?? 128;
  for (let i = 2; i >= 0; i--) {
    const up = apply(
      tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: `dec_up_${i}` }),
      x,
    );
    x = apply(tf.layers.concatenate({ name: `dec_skip_${i}` }), [up, taps[i]]);
    x = convBnRelu(x, width, `dec_${i}_a`);
    x = convBnRelu(x, width, `dec_${i}_b`);
    width = Math.max(16, width / 2);
  }
  const logits = apply(
    tf.layers.conv2d({
      name: 'head_logits',
      filters: numClasses,
      kernelSize: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: initializerSeed(seed, 3_999) }),
    }),
    x,
  );
  const output = apply(
    tf.layers.upSampling2d({ size: [4, 4], interpolation: 'bilinear', name: 'head_upsample' }),
    logits,
  );
  const model = tf.model({
    inputs: body.inputs,
    outputs: output,
    name: `${features.entry.name}_unet`,
  });
  return {
    model,
    backboneConfig: features.config,
    entry: features.entry,
    backboneLayers: new Set(body.layers.map((l) => l.name)),
  };
}
