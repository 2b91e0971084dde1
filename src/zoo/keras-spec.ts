// What one Keras Applications zoo entry states (KerasSpec) and the pieces entries share: the
// publisher's URL layout, the licence, Keras's preprocess_input modes as mean/std, and weight
// adjustments that fold Keras-only preprocessing into the loaded weights. Entries:
// keras-entries.ts (MobileNetV2, InceptionV3) and keras-families.ts (the other families).
import * as tf from '@tensorflow/tfjs';
import type { BlockRule, PretrainedConfig } from '../backbones/types.js';
import type { KerasLayerWeights } from './keras-h5.js';
import type { WeightsFile } from './types.js';

export const KERAS_BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/';
export const LICENCE =
  'Apache-2.0 (Keras Applications); trained on ImageNet-1k, whose terms of access apply to the weights';

/**
 * A file under `base` (Keras's own, unless the family publishes elsewhere) with Keras's digest:
 * MD5 or SHA-256, told apart by length as Keras's get_file does.
 */
export const kerasFile = (relative: string, digest?: string, base = KERAS_BASE): WeightsFile => ({
  url: `${base}${relative}`,
  path: `keras-applications/${relative}`,
  ...(digest
    ? { digest: { algorithm: digest.length === 64 ? 'sha256' : 'md5', value: digest } }
    : {}),
});

/** A Keras entry's config: 32 px minimum, bilinear unless said, Keras's licence, the file's URL. */
export const kerasConfig = (
  file: WeightsFile,
  c: Omit<PretrainedConfig, 'minInputSize' | 'licence' | 'source' | 'interpolation'> &
    Partial<Pick<PretrainedConfig, 'licence' | 'interpolation'>>,
): PretrainedConfig => ({
  minInputSize: 32,
  interpolation: 'bilinear',
  licence: LICENCE,
  source: file.url,
  ...c,
});

/** Keras's preprocess_input modes as mean/std of pixel / 255 ('caffe' also flips RGB → BGR,
 * which the entry folds into the first convolution instead). */
export type Rgb = [number, number, number];
export const tfMode = (): { mean: Rgb; std: Rgb } => ({
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
});
export const caffeMode = (): { mean: Rgb; std: Rgb } => ({
  mean: [123.68 / 255, 116.779 / 255, 103.939 / 255],
  std: [1 / 255, 1 / 255, 1 / 255],
});
/** ImageNet's mean/std ('torch' mode; also what EfficientNet's and ConvNeXt's layers hold). */
export const torchMode = (): { mean: Rgb; std: Rgb } => ({
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
});

export interface KerasSpec {
  name: string;
  description: string;
  file: WeightsFile;
  config: PretrainedConfig;
  blocks: BlockRule;
  /** The architecture with random (seeded) weights at a square input size. */
  architecture(size: number, seed: number): tf.LayersModel | Promise<tf.LayersModel>;
  /**
   * The file's layers as the architecture takes them: checks and drops what the entry folded
   * into its config (e.g. EfficientNet's Normalization layer). Throws badInput naming `file`.
   */
  adaptFile?(layers: KerasLayerWeights[], file: string): KerasLayerWeights[];
  /** Adjusts loaded weights to visiontune's input (RGB order). */
  afterLoad?(model: tf.LayersModel): void;
}

/** Reverses the input channels of `layer`'s kernel: BGR-trained weights read RGB input. */
export function flipInputChannels(model: tf.LayersModel, layer: string) {
  const conv = model.getLayer(layer);
  const [kernel, ...rest] = conv.getWeights();
  const flipped = tf.reverse(kernel!, 2);
  conv.setWeights([flipped, ...rest]);
  flipped.dispose();
}
