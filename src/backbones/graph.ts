// Reads a built body's graph to find feature taps: for each output stride 4/8/16/32, the last
// layer at that stride whose output is a cut point (every later layer depends on the input only
// through it), so a tap is a whole-network feature map and never a branch inside a block.
import type * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import type { FeatureTap } from './types.js';

export const TAP_STRIDES = [4, 8, 16, 32] as const;
export type TapStride = (typeof TAP_STRIDES)[number];

/** Layers whose output size is an artefact of padding, not a feature map worth tapping. */
const NOT_A_FEATURE = new Set([
  'ZeroPadding2D',
  'Cropping2D',
  'InputLayer',
  'Dropout',
  'SpatialDropout2D',
]);

/** [height, width, channels] of a layer's 4-D output, or undefined for anything else. */
export function featureShape(layer: tf.layers.Layer): [number, number, number] | undefined {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0]) || shape.length !== 4) return undefined;
  const [, h, w, c] = shape as (number | null)[];
  if (h == null || w == null || c == null) return undefined;
  return [h, w, c];
}

/**
 * Width of a layer's [batch, width] output (a classifier's pre-logits), or undefined for any other
 * shape. The batch must be the free first axis: an imported transformer holds some values with the
 * batch elsewhere ([width, batch]), which are no embedding.
 */
export function vectorWidth(layer: tf.layers.Layer): number | undefined {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0]) || shape.length !== 2) return undefined;
  const [batch, width] = shape as (number | null)[];
  return batch === null && typeof width === 'number' ? width : undefined;
}

/** Width of the embedding a layer gives: a feature map's channels (pooled) or a vector's width. */
export function embeddingWidth(layer: tf.layers.Layer): number | undefined {
  return featureShape(layer)?.[2] ?? vectorWidth(layer);
}

/**
 * Nearest power-of-two stride for a feature map of height `h` at `inputSize`. Nets with 'valid'
 * padding (InceptionV3: 299 -> 71/35/17/8) land between powers of two; the nearest in log scale
 * is the conventional name (299/71 = 4.2 -> 4, 299/8 = 37 -> 32).
 */
export function nominalStride(inputSize: number, h: number): number {
  return 2 ** Math.round(Math.log2(inputSize / h));
}

/** Layers of `model` whose output every later layer depends on, in topological order. */
export function cutPoints(model: tf.LayersModel): tf.layers.Layer[] {
  const layers = model.layers;
  const pos = new Map(layers.map((l, i) => [l, i]));
  // furthest[i] = the latest position any layer at or before i feeds.
  const furthest = layers.map((_, i) => i);
  layers.forEach((layer, i) => {
    for (const node of layer.inboundNodes) {
      for (const src of node.inboundLayers) {
        const j = pos.get(src);
        if (j !== undefined) furthest[j] = Math.max(furthest[j], i);
      }
    }
  });
  const out: tf.layers.Layer[] = [];
  let reach = -1;
  layers.forEach((layer, i) => {
    if (reach <= i) out.push(layer);
    reach = Math.max(reach, furthest[i]);
  });
  return out;
}

/**
 * The tap at each stride 4/8/16/32 the body reaches, found from the graph at `inputSize`: the last
 * layer every path passes at that stride — or, where `channels` states a stride's width, the last
 * such layer of that width (a block's output, not the next block's wider expansion).
 */
export function findTaps(
  model: tf.LayersModel,
  inputSize: number,
  channels: Partial<Record<TapStride, number>> = {},
): FeatureTap[] {
  const best = new Map<number, FeatureTap>();
  for (const layer of cutPoints(model)) {
    if (NOT_A_FEATURE.has(layer.getClassName())) continue;
    const shape = featureShape(layer);
    if (!shape) continue;
    const stride = nominalStride(inputSize, shape[0]);
    const width = channels[stride as TapStride];
    if (width !== undefined && width !== shape[2]) continue;
    if ((TAP_STRIDES as readonly number[]).includes(stride)) {
      best.set(stride, { stride: stride as TapStride, layer: layer.name, channels: shape[2] });
    }
  }
  return TAP_STRIDES.filter((s) => best.has(s)).map((s) => best.get(s) as FeatureTap);
}

/** A tap for a named layer: channels and stride read from the built graph. */
export function tapForLayer(model: tf.LayersModel, inputSize: number, name: string): FeatureTap {
  const layer = getLayerOrThrow(model, name);
  const shape = featureShape(layer);
  if (!shape)
    throw badUsage(
      `layer '${name}' does not output a feature map [batch, height, width, channels]`,
    );
  const stride = nominalStride(inputSize, shape[0]);
  const clamped = Math.min(32, Math.max(4, stride)) as TapStride;
  return { stride: clamped, layer: name, channels: shape[2] };
}

export function getLayerOrThrow(model: tf.LayersModel, name: string): tf.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) {
    const names = model.layers.map((l) => l.name);
    throw badUsage(
      `no layer named '${name}' in ${model.name} (layers: ${names.slice(-12).join(', ')}, …)`,
    );
  }
  return layer;
}
