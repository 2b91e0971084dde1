// ImageNet weights by name from Keras Applications: each entry pairs an architecture built in code
// (or nsfwjs's copy of the Keras topology) with the published no-top `.h5` file, downloaded on
// first use (weights-file.ts) and loaded as Keras loads it (set-keras-weights.ts). URLs and
// digests are Keras's own (keras/src/applications/*.py): MD5 where Keras checks one, none for
// MobileNetV2 (Keras checks none; the first download is pinned by its SHA-256). This file holds
// MobileNetV2 and InceptionV3 and turns every spec into a registry entry; the other families'
// specs are in keras-families.ts.
import * as tf from '@tensorflow/tfjs';
import { inceptionV3Blocks, inceptionV3Config } from '../backbones/inception-v3.js';
import { resolveInputSize } from '../backbones/input-size.js';
import { mobilenetV2Blocks } from '../backbones/mobilenet-v2.js';
import { mobilenetV2Body, mobilenetV2Taps, topChannels } from '../backbones/mobilenet-v2-arch.js';
import { nsfwjsBodyTopology } from '../backbones/nsfwjs-body.js';
import type { BackboneEntry, BuildOptions } from '../backbones/types.js';
import { badUsage } from '../errors.js';
import { KERAS_FAMILIES } from './keras-families.js';
import { type KerasLayerWeights, readKerasWeights } from './keras-h5.js';
import { KERAS_BASE, type KerasSpec, kerasFile, LICENCE, tfMode } from './keras-spec.js';
import { setKerasWeights } from './set-keras-weights.js';

/** The layers of the local Keras file `file`, as `spec`'s architecture takes them. */
async function readForSpec(spec: KerasSpec, file: string): Promise<KerasLayerWeights[]> {
  const { readFile } = await import('node:fs/promises');
  const layers = readKerasWeights(await readFile(file), file);
  return spec.adaptFile ? spec.adaptFile(layers, file) : layers;
}

/** `spec`'s architecture at `size` holding the weights of the local Keras file `file`. */
async function loadArchitecture(spec: KerasSpec, file: string, size: number, seed: number) {
  // Parsed before the model is built; a file that does not fit disposes the model it was given to.
  const layers = await readForSpec(spec, file);
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
  inceptionV3Imagenet,
  ...KERAS_FAMILIES,
];

export const KERAS_ZOO: readonly BackboneEntry[] = SPECS.map(kerasEntry);

/**
 * The zoo entry `name`'s architecture with the weights of a local Keras `.h5` file, not checked
 * against the entry's digest (the caller vouches for it): e.g. a site's own fine-tuned weights.
 */
export function buildFromKerasFile(name: string, file: string, inputSize?: number, seed = 0) {
  const spec = specOf(name);
  return loadArchitecture(spec, file, resolveInputSize(name, spec.config, inputSize), seed);
}

/** The layers of a local Keras file as the zoo entry `name`'s architecture takes them. */
export const readKerasFileFor = (name: string, file: string) => readForSpec(specOf(name), file);

function specOf(name: string): KerasSpec {
  const spec = SPECS.find((s) => s.name === name);
  if (!spec)
    throw badUsage(`'${name}' is not a Keras zoo entry (${SPECS.map((s) => s.name).join(', ')})`);
  return spec;
}
