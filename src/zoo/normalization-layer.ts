// Keras models that normalize their own input (EfficientNet: Rescaling(1/255), Normalization,
// Rescaling) keep the statistics as weights of the Normalization layer. visiontune normalizes
// before the model instead (the entry's mean/std), so the layer is not built: its mean must be the
// entry's, and a standard deviation other than the entry's (by Keras's own arithmetic) is folded
// into the first convolution — exact, since the zero padding before it scales to zero too.
import type { PretrainedConfig } from '../backbones/types.js';
import { badInput } from '../errors.js';
import type { KerasLayerWeights } from './keras-h5.js';

/** EfficientNet's final Rescaling (efficientnet.py IMAGENET_STDDEV_RGB): Keras divides by the
 * square root of this after the Normalization layer, because its files store the standard
 * deviation where the variance belongs (tensorflow/tensorflow#49930). */
const KERAS_STDDEV_RGB = [0.229, 0.224, 0.225];

const weightBase = (name: string) => name.split('/').at(-1)!.replace(/:\d+$/, '');
const isNormalization = (l: KerasLayerWeights) =>
  l.weights.map((w) => weightBase(w.name)).join() === 'mean,variance,count';

/**
 * `layers` without the input Normalization layer: its mean checked against `config`, its scale
 * relative to `config.std` multiplied into the input channels of `firstConv`'s kernel.
 */
export function withoutInputNormalization(
  layers: KerasLayerWeights[],
  file: string,
  config: Pick<PretrainedConfig, 'mean' | 'std'>,
  firstConv: string,
): KerasLayerWeights[] {
  const norm = layers.find(isNormalization);
  if (!norm) return layers;
  const [mean, variance] = norm.weights.map((w) => Array.from(w.data));
  // Keras computes (x - mean) / sqrt(variance) / sqrt(stddev): this standard deviation.
  const std = variance!.map((v, c) => Math.sqrt(v * KERAS_STDDEV_RGB[c]!));
  const close = (v: number, want: number) => Math.abs(v - want) <= 1e-3 * Math.abs(want);
  if (mean!.length !== 3 || !mean!.every((m, c) => close(m, config.mean[c]!)))
    throw badInput(
      `${file}: layer '${norm.layer}' subtracts the mean [${mean}], not the mean [${config.mean}] this entry feeds`,
    );
  if (!std.every((s) => s > 0))
    throw badInput(`${file}: layer '${norm.layer}' has a variance that is not positive`);
  const rest = layers.filter((l) => l !== norm);
  if (std.every((s, c) => close(s, config.std[c]!))) return rest;
  // visiontune feeds (p - mean) / config.std; the weights expect (p - mean) / std.
  const scale = std.map((s, c) => config.std[c]! / s);
  return rest.map((l) => {
    if (l.layer !== firstConv) return l;
    const [kernel, ...others] = l.weights;
    const data = kernel!.data.map((v, i) => v * scale[Math.floor(i / kernel!.shape[3]!) % 3]!);
    return { ...l, weights: [{ ...kernel!, data }, ...others] };
  });
}
