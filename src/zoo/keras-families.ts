// Keras Applications families beyond MobileNetV2/InceptionV3 (keras-entries.ts), as zoo specs:
// each an architecture built in code with Keras's layer names (src/backbones/*-arch.ts), the no-top
// `.h5` file at Keras's URL with Keras's MD5 (keras/src/applications/*.py), and Keras's
// preprocessing as mean/std of pixel / 255 — anything else (BGR order) folded into the weights.

import {
  CONVNEXT_CHANNELS,
  CONVNEXT_OUTPUT,
  convnextBlocks,
  convnextTaps,
  convnextTinyBody,
} from '../backbones/convnext-arch.js';
import {
  type DensenetDepth,
  densenetBlocks,
  densenetBody,
  densenetChannels,
  densenetTaps,
} from '../backbones/densenet-arch.js';
import {
  EFFICIENTNET_SCALES,
  efficientnetBlocks,
  efficientnetBody,
  efficientnetChannels,
  efficientnetTaps,
} from '../backbones/efficientnet-arch.js';
import {
  EFFICIENTNET_V2_S_CHANNELS,
  efficientnetV2SBlocks,
  efficientnetV2SBody,
  efficientnetV2STaps,
} from '../backbones/efficientnet-v2-arch.js';
import {
  type MobilenetV3Size,
  mobilenetV3Blocks,
  mobilenetV3Body,
  mobilenetV3Channels,
  mobilenetV3Taps,
} from '../backbones/mobilenet-v3-arch.js';
import {
  type ResnetDepth,
  type ResnetVersion,
  resnetBlocks,
  resnetBody,
  resnetTaps,
} from '../backbones/resnet-arch.js';
import { flattenNested, groupedToDepthwise } from './convnext-file.js';
import {
  caffeMode,
  flipInputChannels,
  type KerasSpec,
  kerasConfig,
  kerasFile,
  LICENCE,
  tfMode,
  torchMode,
} from './keras-spec.js';
import { withoutInputNormalization } from './normalization-layer.js';

const download = 'ImageNet-1k weights (Keras Applications); downloads on first use';

/** Keras's MD5 of each ResNet no-top file (resnet.py WEIGHTS_HASHES). */
const RESNET_MD5: Record<string, string> = {
  resnet50: '4d473c1dd8becc155b73f8504c6f6626',
  resnet101: '88cf7a10940856eca736dc7b7e228a21',
  resnet152: 'ee4c566cf9a93f14d82f913c2dc6dd0c',
  resnet50v2: 'fac2f116257151a9d068a22e544a4917',
  resnet101v2: 'c0ed64b8031c3730f411d2eb4eea35b5',
  resnet152v2: 'ed17cf2e0169df9d443503ef94b23b33',
};

function resnetImagenet(depth: ResnetDepth, version: ResnetVersion): KerasSpec {
  const kerasName = `resnet${depth}${version === 2 ? 'v2' : ''}`;
  const name = `resnet${depth}${version === 2 ? '_v2' : ''}`;
  const file = kerasFile(
    `resnet/${kerasName}_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    RESNET_MD5[kerasName],
  );
  const taps = resnetTaps(depth, version);
  return {
    name: `${name}.imagenet`,
    description:
      version === 1
        ? `ResNet${depth} (v1) @224, ${download}`
        : `ResNet${depth}V2 (pre-activation) @224, ${download}`,
    file,
    config: kerasConfig(file, {
      inputSize: 224,
      // v1 was trained on 'caffe' input (BGR, mean subtracted): the flip is folded into conv1.
      ...(version === 1 ? caffeMode() : tfMode()),
      embeddingLayer: taps[3]!.layer,
      embeddingDim: 2048,
      taps,
    }),
    blocks: resnetBlocks(depth),
    architecture: (size, seed) => resnetBody(depth, version, size, seed, `${name}_imagenet`),
    ...(version === 1 ? { afterLoad: (model) => flipInputChannels(model, 'conv1_conv') } : {}),
  };
}

const DENSENET_MD5: Record<DensenetDepth, string> = {
  121: '30ee3e1110167f948a6b9946edeeb738',
  169: 'b8c4d4c20dd625c148057b9ff1c1176b',
  201: 'c13680b51ded0fb44dff2d8f86ac8bb1',
};

function densenetImagenet(depth: DensenetDepth): KerasSpec {
  const file = kerasFile(
    `densenet/densenet${depth}_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    DENSENET_MD5[depth],
  );
  return {
    name: `densenet${depth}.imagenet`,
    description: `DenseNet${depth} @224, ${download}`,
    file,
    config: kerasConfig(file, {
      inputSize: 224,
      ...torchMode(),
      embeddingLayer: 'relu',
      embeddingDim: densenetChannels(depth),
      taps: densenetTaps(depth),
    }),
    blocks: densenetBlocks(depth),
    architecture: (size, seed) => densenetBody(depth, size, seed, `densenet${depth}_imagenet`),
  };
}

/** Keras's MD5 of each MobileNetV3 no-top file (mobilenet_v3.py WEIGHTS_HASHES, second of each). */
const MOBILENET_V3_MD5: Record<string, string> = {
  'small_224_0.75': 'ebdb5cc8e0b497cd13a7c275d475c819',
  'small_224_1.0': 'd3e8ec802a04aa4fc771ee12a9a9b836',
  'large_224_0.75': '40af19a13ebea4e2ee0c676887f69a2e',
  'large_224_1.0': '07fb09a5933dd0c8eaafa16978110389',
};

function mobilenetV3Imagenet(size: MobilenetV3Size, alpha: 0.75 | 1): KerasSpec {
  const width = alpha === 1 ? '1.0' : '0.75';
  const key = `${size}_224_${width}`;
  // Keras 3 re-saved the no-top files under its own layer names ('_no_top_v2').
  const file = kerasFile(
    `mobilenet_v3/weights_mobilenet_v3_${key}_float_no_top_v2.h5`,
    MOBILENET_V3_MD5[key],
  );
  const name = `mobilenet_v3_${size}${alpha === 1 ? '' : '_075'}`;
  return {
    name: `${name}.imagenet`,
    description: `MobileNetV3 ${size === 'small' ? 'Small' : 'Large'} ${width} @224, ${download}`,
    file,
    config: kerasConfig(file, {
      inputSize: 224,
      // Keras's Rescaling(1/127.5, offset -1) layer.
      ...tfMode(),
      embeddingLayer: 'conv_1_act',
      embeddingDim: mobilenetV3Channels(size, alpha),
      taps: mobilenetV3Taps(size, alpha),
    }),
    blocks: mobilenetV3Blocks(size, alpha),
    architecture: (inputSize, seed) =>
      mobilenetV3Body(size, alpha, inputSize, seed, `${name}_imagenet`),
  };
}

/** Keras's MD5 of each EfficientNet no-top file (efficientnet.py WEIGHTS_HASHES, second of each). */
const EFFICIENTNET: Record<EfficientnetVariant, { size: number; md5: string }> = {
  b0: { size: 224, md5: '50bc09e76180e00e4465e1a485ddc09d' },
  b1: { size: 240, md5: '74c4e6b3e1f6a1eea24c589628592432' },
  b2: { size: 260, md5: '111f8e2ac8aa800a7a99e3239f7bfb39' },
  b3: { size: 300, md5: 'af6d107764bb5b1abb91932881670226' },
};
type EfficientnetVariant = keyof typeof EFFICIENTNET_SCALES;

function efficientnetImagenet(variant: EfficientnetVariant): KerasSpec {
  const scale = EFFICIENTNET_SCALES[variant];
  const { size, md5 } = EFFICIENTNET[variant];
  // EfficientNet's files sit outside Keras's usual bucket folder.
  const file = kerasFile(
    `efficientnet${variant}_notop.h5`,
    md5,
    'https://storage.googleapis.com/keras-applications/',
  );
  const name = `efficientnet_${variant}`;
  const config = kerasConfig(file, {
    inputSize: size,
    ...torchMode(),
    embeddingLayer: 'top_activation',
    embeddingDim: efficientnetChannels(scale),
    taps: efficientnetTaps(scale),
  });
  return {
    name: `${name}.imagenet`,
    description: `EfficientNet-${variant.toUpperCase()} @${size}, ${download}`,
    file,
    config,
    blocks: efficientnetBlocks(scale),
    architecture: (inputSize, seed) => efficientnetBody(scale, inputSize, seed, `${name}_imagenet`),
    adaptFile: (layers, source) => withoutInputNormalization(layers, source, config, 'stem_conv'),
  };
}

const efficientnetV2SFile = kerasFile(
  'efficientnet_v2/efficientnetv2-s_notop.h5',
  'af0682fb74e8c54910f2d4393339c070',
);

const efficientnetV2SImagenet: KerasSpec = {
  name: 'efficientnet_v2_s.imagenet',
  description: `EfficientNetV2-S @384, ${download}`,
  file: efficientnetV2SFile,
  config: kerasConfig(efficientnetV2SFile, {
    inputSize: 384,
    // Keras's Rescaling(1/128, offset -1): (pixel - 128) / 128.
    mean: [128 / 255, 128 / 255, 128 / 255],
    std: [128 / 255, 128 / 255, 128 / 255],
    embeddingLayer: 'top_activation',
    embeddingDim: EFFICIENTNET_V2_S_CHANNELS,
    taps: efficientnetV2STaps,
  }),
  blocks: efficientnetV2SBlocks,
  architecture: (size, seed) => efficientnetV2SBody(size, seed, 'efficientnet_v2_s_imagenet'),
};

// Keras states ConvNeXt's digests as SHA-256 (convnext.py WEIGHTS_HASHES).
const convnextFile = kerasFile(
  'convnext/convnext_tiny_notop.h5',
  'd547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1',
);

const convnextTinyImagenet: KerasSpec = {
  name: 'convnext_tiny.imagenet',
  description: `ConvNeXt-Tiny @224, ${download}`,
  file: convnextFile,
  config: kerasConfig(convnextFile, {
    inputSize: 224,
    // Keras's PreStem Normalization layer (constants, no weights).
    ...torchMode(),
    interpolation: 'bicubic',
    embeddingLayer: CONVNEXT_OUTPUT,
    embeddingDim: CONVNEXT_CHANNELS,
    taps: convnextTaps,
    licence: `${LICENCE}; ConvNeXt weights from facebookresearch/ConvNeXt (MIT)`,
  }),
  blocks: convnextBlocks,
  architecture: (size, seed) => convnextTinyBody(size, seed, 'convnext_tiny_imagenet'),
  adaptFile: (layers) => groupedToDepthwise(flattenNested(layers)),
};

export const KERAS_FAMILIES: readonly KerasSpec[] = [
  ...([50, 101, 152] as const).map((d) => resnetImagenet(d, 1)),
  ...([50, 101, 152] as const).map((d) => resnetImagenet(d, 2)),
  ...([121, 169, 201] as const).map(densenetImagenet),
  ...(['b0', 'b1', 'b2', 'b3'] as const).map(efficientnetImagenet),
  efficientnetV2SImagenet,
  ...(['small', 'large'] as const).flatMap((size) =>
    ([0.75, 1] as const).map((alpha) => mobilenetV3Imagenet(size, alpha)),
  ),
  convnextTinyImagenet,
];
