// ImageNet weights by name from ONNX files (the ONNX Model Zoo): an entry downloads its `.onnx`
// like any weight file (weights-file.ts), converts it once with the importer into the cache
// beside it, and builds from that TF.js model. The converted model is cut at the input of the
// classifier's global pool (onnx-pool-cut.ts), and the last layer at each stride 4…32 is named
// `stride_<s>`: the file's own node names are unknown until it is downloaded, while an entry's
// taps and embedding layer must be known before (`visiontune backbones`, createModel). The
// conversion checks that the file's maps have the channels the entry states.
// This file is platform-free (the registry's); the conversion is onnx-convert.ts.

import { TAP_STRIDES } from '../backbones/graph.js';
import type {
  BackboneEntry,
  BuildOptions,
  FeatureTap,
  PretrainedConfig,
} from '../backbones/types.js';
import { torchMode } from './keras-spec.js';
import type { WeightsFile } from './types.js';

export const tapName = (stride: number) => `stride_${stride}`;

export interface OnnxZooSpec {
  name: string;
  description: string;
  file: WeightsFile;
  licence: string;
  /** Channels of the last feature map at strides 4, 8, 16 and 32 (the last is the embedding). */
  channels: readonly [number, number, number, number];
  /** Square input the file was exported for (the ONNX Model Zoo's: 224). */
  inputSize: number;
  /** Runs only at inputSize: a reshape in the file fixes the map size (ShuffleNet's shuffle). */
  fixedSize?: boolean;
}

/** The config every ONNX zoo entry states before its file is downloaded. */
export function onnxZooConfig(spec: OnnxZooSpec): PretrainedConfig {
  const taps: FeatureTap[] = TAP_STRIDES.map((stride, i) => ({
    stride,
    layer: tapName(stride),
    channels: spec.channels[i]!,
  }));
  return {
    inputSize: spec.inputSize,
    minInputSize: spec.fixedSize ? spec.inputSize : 32,
    // The zoo's READMEs: images in [0, 1] normalized with ImageNet's mean/std.
    ...torchMode(),
    interpolation: 'bilinear',
    embeddingLayer: tapName(32),
    embeddingDim: spec.channels[3],
    taps,
    licence: spec.licence,
    source: spec.file.url,
  };
}

/** A registry entry for `spec`: downloads on first use, converts once, builds. */
export function onnxZooEntry(spec: OnnxZooSpec): BackboneEntry {
  return {
    name: spec.name,
    description: spec.description,
    hasPretrained: true,
    weights: spec.file,
    config: onnxZooConfig(spec),
    async build(options: BuildOptions) {
      const { ensureWeightsFile } = await import('./weights-file.js');
      const { buildFromOnnxFile } = await import('./onnx-convert.js');
      const file = await ensureWeightsFile(spec.file, spec.name);
      const verified =
        spec.file.digest?.algorithm === 'sha256' ? spec.file.digest.value : undefined;
      return buildFromOnnxFile(spec, file, options, verified);
    },
  };
}
