// A DeepLabV3+ decoder (Chen et al. 2018) on a registry backbone's taps: ASPP on the deepest tap
// (a 1×1 conv, three 3×3 atrous convs and image pooling, concatenated and projected), upsampled
// ×8 (bilinear) to the stride-4 tap, whose low-level features (1×1 conv to 48 channels) it is
// concatenated with; two 3×3 convs, class logits, ×4 bilinear to the input size. The paper's
// rates 6/12/18 are for output stride 16; the deepest tap here is at stride 32 (the backbone is
// not re-dilated), so the rates are halved to 3/6/9 to cover the same image area.
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import { createModel } from '../../backbones/index.js';
import { badUsage } from '../../errors.js';
import { initializerSeed } from '../../util/init-seed.js';
import { AtrousConv2D } from './atrous-conv.js';
import type { Segmenter, UnetOptions } from './unet.js';

export const ASPP_RATES = [3, 6, 9] as const;
const STRIDES = [4, 32] as const;

export async function buildDeeplabV3Plus(options: UnetOptions): Promise<Segmenter> {
  const { inputSize, numClasses } = options;
  const seed = options.seed ?? 0;
  const width = options.channels ?? 128;
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
      `backbone ${options.backbone}: its stride-4/32 feature maps are ${got.join(', ')} px at ${inputSize} px, not ${want.join(', ')}; the decoder needs 'same'-padded backbones`,
    );
  }
  let initIndex = 0;
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const bnRelu = (x: tf.SymbolicTensor, name: string) =>
    apply(
      tf.layers.reLU({ name: `${name}_relu` }),
      apply(batchNormalization({ name: `${name}_bn`, momentum: 0.9 }), x),
    );
  const conv = (x: tf.SymbolicTensor, filters: number, kernel: number, name: string) =>
    bnRelu(
      apply(
        tf.layers.conv2d({
          name: `${name}_conv`,
          filters,
          kernelSize: kernel,
          padding: 'same',
          useBias: false,
          kernelInitializer: tf.initializers.heNormal({
            seed: initializerSeed(seed, 4_000 + initIndex++),
          }),
        }),
        x,
      ),
      name,
    );

  const [low, deep] = body.outputs;
  const side = inputSize / 32;
  const branches = [
    conv(deep, width, 1, 'aspp_1x1'),
    ...ASPP_RATES.map((rate) =>
      bnRelu(
        apply(
          new AtrousConv2D({
            name: `aspp_rate${rate}_conv`,
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
  let pooled = apply(tf.layers.globalAveragePooling2d({ name: 'aspp_pool' }), deep);
  pooled = apply(
    tf.layers.reshape({ name: 'aspp_pool_map', targetShape: [1, 1, deep.shape[3] as number] }),
    pooled,
  );
  pooled = conv(pooled, width, 1, 'aspp_pool_proj');
  branches.push(
    apply(tf.layers.upSampling2d({ name: 'aspp_pool_up', size: [side, side] }), pooled),
  );
  let x = conv(
    apply(tf.layers.concatenate({ name: 'aspp_concat' }), branches),
    width,
    1,
    'aspp_out',
  );
  x = apply(tf.layers.upSampling2d({ size: [8, 8], interpolation: 'bilinear', name: 'dec_up' }), x);
  const lowProjected = conv(low, 48, 1, 'dec_low');
  x = apply(tf.layers.concatenate({ name: 'dec_concat' }), [x, lowProjected]);
  x = conv(x, width, 3, 'dec_a');
  x = conv(x, width, 3, 'dec_b');
  const logits = apply(
    tf.layers.conv2d({
      name: 'head_logits',
      filters: numClasses,
      kernelSize: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: initializerSeed(seed, 4_999) }),
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
    name: `${features.entry.name}_deeplabv3plus`,
  });
  return {
    model,
    backboneConfig: features.config,
    entry: features.entry,
    backboneLayers: new Set(body.layers.map((l) => l.name)),
  };
}
