// Keras models that normalize their own input (EfficientNet: Rescaling(1/255), Normalization,
// Rescaling) keep the statistics as weights of the Normalization layer. visiontune normalizes
// before the model instead (the entry's mean/std), so the layer is not built: this checks that the
// file's statistics are the entry's, by Keras's own arithmetic, and drops the layer from the file.
import type { PretrainedConfig } from '../backbones/types.js';
import { badInput } from '../errors.js';
import type { KerasLayerWeights } from './keras-h5.js';

/** EfficientNet's final Rescaling (efficientnet.py IMAGENET_STDDEV_RGB): Keras divides by the
 * square root of this after the Normalization layer, because the files store the standard
 * deviation where the variance belongs (tensorflow/tensorflow#49930). */
const KERAS_STDDEV_RGB = [0.229, 0.224, 0.225];

const weightBase = (name: string) => name.split('/').at(-1)!.replace(/:\d+$/, '');
const isNormalization = (l: KerasLayerWeights) =>
  l.weights.map((w) => weightBase(w.name)).join() === 'mean,variance,count';

/** `layers` without the input Normalization layer, after checking it against `config`. */
export function withoutInputNormalization(
  layers: KerasLayerWeights[],
  file: string,
  config: Pick<PretrainedConfig, 'mean' | 'std'>,
): KerasLayerWeights[] {
  const norm = layers.find(isNormalization);
  if (!norm) return layers;
  const [mean, variance] = norm.weights.map((w) => Array.from(w.data));
  // (x - mean) / sqrt(variance) / sqrt(stddev): the effective standard deviation per channel.
  const std = variance!.map((v, c) => Math.sqrt(v * KERAS_STDDEV_RGB[c]!));
  const close = (a: number[], b: readonly number[]) =>
    a.length === 3 && a.every((v, c) => Math.abs(v - b[c]!) <= 1e-3 * Math.abs(b[c]!));
  if (!close(mean!, config.mean) || !close(std, config.std))
    throw badInput(
      `${file}: layer '${norm.layer}' normalizes with mean [${mean}] and std [${std.map((v) => v.toFixed(4))}], ` +
        `not the mean [${config.mean}] and std [${config.std}] this entry feeds`,
    );
  return layers.filter((l) => l !== norm);
}
