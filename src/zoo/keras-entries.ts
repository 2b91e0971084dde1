// ImageNet weights by name from Keras Applications: each entry pairs an architecture built in code
// (or nsfwjs's copy of the Keras topology) with the published no-top `.h5` file, downloaded on
// first use (weights-file.ts) and loaded as Keras loads it (set-keras-weights.ts). URLs and
// digests are Keras's own (keras/src/applications/*.py): MD5 where Keras checks one, none for
// MobileNetV2 (Keras checks none; the first download is pinned by its SHA-256).
import * as tf from '@tensorflow/tfjs';
import { inceptionV3Blocks, inceptionV3Config } from '../backbones/inception-v3.js';
import { resolveInputSize } from '../backbones/input-size.js';
import { mobilenetV2Blocks } from '../backbones/mobilenet-v2.js';
import { mobilenetV2Body, mobilenetV2Taps, topChannels } from '../backbones/mobilenet-v2-arch.js';
import { nsfwjsBodyTopology } from '../backbones/nsfwjs-body.js';
import { resnet50Blocks, resnet50Body, resnet50Taps } from '../backbones/resnet50-arch.js';
import type {
  BackboneEntry,
  BlockRule,
  BuildOptions,
  PretrainedConfig,
} from '../backbones/types.js';
import { badUsage } from '../errors.js';
import { readKerasWeights } from './keras-h5.js';
import { setKerasWeights } from './set-keras-weights.js';
import type { WeightsFile } from './types.js';

const KERAS_BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/';
const LICENCE =
  'Apache-2.0 (Keras Applications); trained on ImageNet-1k, whose terms of access apply to the weights';

const kerasFile = (relative: string, md5?: string): WeightsFile => ({
  url: `${KERAS_BASE}${relative}`,
  path: `keras-applications/${relative}`,
  ...(md5 ? { digest: { algorithm: 'md5' as const, value: md5 } } : {}),
});

/** Keras's preprocess_input modes as mean/std of pixel / 255 ('caffe' also flips RGB → BGR,
 * which the entry folds into the first convolution instead). */
type Rgb = [number, number, number];
const tfMode = (): { mean: Rgb; std: Rgb } => ({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
const caffeMode = (): { mean: Rgb; std: Rgb } => ({
  mean: [123.68 / 255, 116.779 / 255, 103.939 / 255],
  std: [1 / 255, 1 / 255, 1 / 255],
});

interface KerasSpec {
  name: string;
  description: string;
  file: WeightsFile;
  config: PretrainedConfig;
  blocks: BlockRule;
  /** The architecture with random (seeded) weights at a square input size. */
  architecture(size: number, seed: number): tf.LayersModel | Promise<tf.LayersModel>;
  /** Adjusts loaded weights to visiontune's input (RGB order). */
  afterLoad?(model: tf.LayersModel): void;
}

/** `spec`'s architecture at `size` holding the weights of the local Keras file `file`. */
async function loadArchitecture(spec: KerasSpec, file: string, size: number, seed: number) {
  const { readFile } = await import('node:fs/promises');
  // Parsed before the model is built; a file that does not fit disposes the model it was given to.
  const layers = readKerasWeights(await readFile(file), file);
  const model = await spec.architecture(size, seed);
  try {
    setKerasWeights(model, layers, file);
    spec.afterLoad?.(model);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

function kerasEntry(spec: KerasSpec): BackboneEntry {
  return {
    name: spec.name,
    description: spec.description,
    hasPretrained: true,
    weights: spec.file,
    config: spec.config,
    blocks: spec.blocks,
    async build(options: BuildOptions) {
      const size = resolveInputSize(spec.name, spec.config, options.inputSize);
      if (!options.pretrained) return spec.architecture(size, options.seed ?? 0);
      const { ensureWeightsFile } = await import('./weights-file.js');
      const file = await ensureWeightsFile(spec.file, spec.name);
      return loadArchitecture(spec, file, size, options.seed ?? 0);
    },
  };
}

/** Reverses the input channels of `layer`'s kernel: BGR-trained weights read RGB input. */
function flipInputChannels(model: tf.LayersModel, layer: string) {
  const conv = model.getLayer(layer);
  const [kernel, ...rest] = conv.getWeights();
  const flipped = tf.reverse(kernel!, 2);
  conv.setWeights([flipped, ...rest]);
  flipped.dispose();
}

const MOBILENET_V2_WIDTHS: [string, number][] = [
  ['mobilenet_v2_035', 0.35],
  ['mobilenet_v2_050', 0.5],
  ['mobilenet_v2_075', 0.75],
  ['mobilenet_v2', 1.0],
  ['mobilenet_v2_130', 1.3],
  ['mobilenet_v2_140', 1.4],
];

function mobilenetV2Imagenet([arch, alpha]: [string, number]): KerasSpec {
  // Python's str(float): 0.5 → '0.5', 1.0 → '1.0' (Keras's file names).
  const width = Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha);
  const file = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${width}_224_no_top.h5`;
  return {
    name: `${arch}.imagenet`,
    description: `MobileNetV2 ${width} @224, ImageNet-1k weights (Keras Applications); downloads on first use`,
    file: kerasFile(`mobilenet_v2/${file}`),
    config: {
      inputSize: 224,
      minInputSize: 32,
      ...tfMode(),
      interpolation: 'bilinear',
      embeddingLayer: 'out_relu',
      embeddingDim: topChannels(alpha),
      taps: mobilenetV2Taps(alpha),
      licence: LICENCE,
      source: `${KERAS_BASE}mobilenet_v2/${file}`,
    },
    blocks: mobilenetV2Blocks,
    architecture: (size, seed) => mobilenetV2Body(alpha, size, seed, `${arch}_imagenet`),
  };
}

const resnet50File = kerasFile(
  'resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
  '4d473c1dd8becc155b73f8504c6f6626',
);

const resnet50Imagenet: KerasSpec = {
  name: 'resnet50.imagenet',
  description:
    'ResNet50 (v1) @224, ImageNet-1k weights (Keras Applications); downloads on first use',
  file: resnet50File,
  config: {
    inputSize: 224,
    minInputSize: 32,
    ...caffeMode(),
    interpolation: 'bilinear',
    embeddingLayer: 'conv5_block3_out',
    embeddingDim: 2048,
    taps: resnet50Taps,
    licence: LICENCE,
    source: resnet50File.url,
  },
  blocks: resnet50Blocks,
  architecture: (size, seed) => resnet50Body(size, seed, 'resnet50_imagenet'),
  afterLoad: (model) => flipInputChannels(model, 'conv1_conv'),
};

const inceptionV3File = kerasFile(
  'inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5',
  'bcbd6486424b2319ff4ef7d526e38f63',
);

const inceptionV3Imagenet: KerasSpec = {
  name: 'inception_v3.imagenet',
  description:
    'InceptionV3 @299, ImageNet-1k weights (Keras Applications); downloads on first use; 75 px minimum',
  file: inceptionV3File,
  config: {
    ...inceptionV3Config,
    ...tfMode(),
    frozenLayer: undefined,
    licence: LICENCE,
    source: inceptionV3File.url,
  },
  blocks: inceptionV3Blocks,
  // The same Keras topology nsfwjs ships (Keras 2.2.4 names), without its weights.
  architecture: async (size, seed) =>
    tf.models.modelFromJSON({
      modelTopology: (await nsfwjsBodyTopology(
        'inception_v3',
        'mixed10',
        size,
        'inception_v3_imagenet',
        seed,
      )) as never,
    }),
};

const SPECS: readonly KerasSpec[] = [
  ...MOBILENET_V2_WIDTHS.map(mobilenetV2Imagenet),
  resnet50Imagenet,
  inceptionV3Imagenet,
];

export const KERAS_ZOO: readonly BackboneEntry[] = SPECS.map(kerasEntry);

/**
 * The zoo entry `name`'s architecture with the weights of a local Keras `.h5` file, not checked
 * against the entry's digest (the caller vouches for it): e.g. a site's own fine-tuned weights.
 */
export function buildFromKerasFile(name: string, file: string, inputSize?: number, seed = 0) {
  const spec = SPECS.find((s) => s.name === name);
  if (!spec)
    throw badUsage(`'${name}' is not a Keras zoo entry (${SPECS.map((s) => s.name).join(', ')})`);
  return loadArchitecture(spec, file, resolveInputSize(name, spec.config, inputSize), seed);
}
