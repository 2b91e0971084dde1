// What channel pruning knows about each Keras layer class: whether it starts a new channel space
// (conv/dense), keeps its input's channels one-to-one, ties its inputs' channels together, or
// concatenates them — and which axes of each of its weights are indexed by those channels.
// A class missing here is refused: guessing would silently produce a wrong model.

import type { KerasLayerJson } from '../../../backbones/topology.js';
import { badUsage } from '../../../errors.js';

/** One axis of one weight indexed by channels: of the layer's input, or of its own output. */
export interface WeightAxis {
  axis: number;
  side: 'in' | 'out';
  /** SeparableConv2D's pointwise input is depth_multiplier entries per input channel. */
  repeat?: number;
}

/** Channel-indexed axes per weight, keyed by the weight's short name ('kernel', 'gamma', …). */
export type WeightAxes = Record<string, WeightAxis[]>;

export type LayerRule =
  | { kind: 'input' }
  /** A new channel space of `channels`, written back to config[`configKey`] when pruned. */
  | {
      kind: 'produce';
      configKey: 'filters' | 'units';
      channels: number;
      weights: WeightAxes;
      /** Reason the new space must keep every channel (e.g. a softmax across them). */
      pinOutput?: string;
    }
  /** Output channel c is computed from input channel c alone (per-channel weights allowed). */
  | { kind: 'preserve'; weights: WeightAxes; pin?: string; lastDimKey?: 'target_shape' }
  /** Elementwise merge: all inputs share one channel space. */
  | { kind: 'tie' }
  /** Concatenation along the channel axis. */
  | { kind: 'concat' }
  /** Mixes channels in a way pruning cannot follow: inputs keep every channel, output is new. */
  | { kind: 'opaque'; reason: string };

const CONSUME_PRODUCE: WeightAxes = {
  kernel: [
    { axis: -2, side: 'in' },
    { axis: -1, side: 'out' },
  ],
  bias: [{ axis: 0, side: 'out' }],
};

/** Per-channel weights of BatchNorm / depthwise / PReLU layers. */
const PER_CHANNEL: WeightAxes = {
  gamma: [{ axis: 0, side: 'in' }],
  beta: [{ axis: 0, side: 'in' }],
  moving_mean: [{ axis: 0, side: 'in' }],
  moving_variance: [{ axis: 0, side: 'in' }],
  depthwise_kernel: [{ axis: 2, side: 'in' }],
  bias: [{ axis: 0, side: 'in' }],
  alpha: [{ axis: -1, side: 'in' }],
};

/** Channelwise at inference whatever their config. */
const ELEMENTWISE = [
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
];

/** Spatial-only ops; valid when the channel axis is last. */
const SPATIAL = [
  'ZeroPadding2D',
  'Cropping2D',
  'UpSampling2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
];

const TIE = ['Add', 'Multiply', 'Subtract', 'Average', 'Maximum', 'Minimum'];

/** Activations that mix channels (normalize across them). */
const CROSS_CHANNEL_ACTIVATIONS = new Set(['softmax', 'logSoftmax', 'log_softmax']);

/** Shapes of the layer's input tensors, as the built model reports them. */
export type Shape = (number | null)[];

function channelsLast(layer: KerasLayerJson): void {
  const format = layer.config.data_format;
  if (format !== undefined && format !== null && format !== 'channels_last') {
    throw badUsage(
      `channel pruning: layer '${layer.name}' (${layer.class_name}) uses data_format '${format}'; only channels_last is supported`,
    );
  }
}

function isChannelAxis(axis: unknown, rank: number): boolean {
  return axis === -1 || axis === rank - 1;
}

function softmaxReason(layer: KerasLayerJson): string | undefined {
  const activation = layer.config.activation;
  return typeof activation === 'string' && CROSS_CHANNEL_ACTIVATIONS.has(activation)
    ? `'${layer.name}' applies ${activation} across channels`
    : undefined;
}

/** Makes the rule of one layer of a class; `inputs` are its input shapes. */
type RuleMaker = (layer: KerasLayerJson, inputs: Shape[]) => LayerRule;

const rankOf = (inputs: Shape[]): number => inputs[0]?.length ?? 0;

const preserveAll: RuleMaker = () => ({ kind: 'preserve', weights: {} });

const spatialOnly: RuleMaker = (layer) => {
  channelsLast(layer);
  return { kind: 'preserve', weights: {} };
};

/**
 * A conv-like layer (channels last) that starts a new space of `config[configKey]` channels;
 * `check` refuses configs pruning cannot handle.
 */
function produce(
  layer: KerasLayerJson,
  configKey: 'filters' | 'units',
  weights: WeightAxes,
  check?: () => void,
): LayerRule {
  channelsLast(layer);
  check?.();
  return {
    kind: 'produce',
    configKey,
    channels: layer.config[configKey] as number,
    weights,
    pinOutput: softmaxReason(layer),
  };
}

const convOrDense: RuleMaker = (layer) =>
  produce(layer, layer.class_name === 'Dense' ? 'units' : 'filters', CONSUME_PRODUCE, () => {
    const groups = layer.config.groups;
    if (typeof groups === 'number' && groups !== 1) {
      throw badUsage(
        `channel pruning: layer '${layer.name}' (Conv2D) is a grouped convolution (groups ${groups}); not supported`,
      );
    }
  });

// Transposed kernels are [kh, kw, out, in].
const conv2dTranspose: RuleMaker = (layer) =>
  produce(layer, 'filters', {
    kernel: [
      { axis: 2, side: 'out' },
      { axis: 3, side: 'in' },
    ],
    bias: [{ axis: 0, side: 'out' }],
  });

const separableConv2d: RuleMaker = (layer) => {
  const repeat = (layer.config.depth_multiplier as number | undefined) ?? 1;
  return produce(layer, 'filters', {
    depthwise_kernel: [{ axis: 2, side: 'in' }],
    pointwise_kernel: [
      { axis: 2, side: 'in', repeat },
      { axis: 3, side: 'out' },
    ],
    bias: [{ axis: 0, side: 'out' }],
  });
};

const depthwiseConv2d: RuleMaker = (layer) => {
  channelsLast(layer);
  const multiplier = (layer.config.depth_multiplier as number | undefined) ?? 1;
  // With a multiplier, output channel c*m+j comes from input c: not one-to-one.
  if (multiplier !== 1)
    return { kind: 'opaque', reason: `'${layer.name}' has depth_multiplier ${multiplier}` };
  return { kind: 'preserve', weights: PER_CHANNEL, pin: softmaxReason(layer) };
};

const batchNormalization: RuleMaker = (layer, inputs) => {
  const cfg = layer.config;
  const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
  if (axis.length !== 1 || !isChannelAxis(axis[0], rankOf(inputs))) {
    throw badUsage(
      `channel pruning: layer '${layer.name}' (BatchNormalization) normalizes axis ${JSON.stringify(cfg.axis)}; only the last (channel) axis is supported`,
    );
  }
  return { kind: 'preserve', weights: PER_CHANNEL };
};

const prelu: RuleMaker = (layer, inputs) => {
  // Parameters shared along the channel axis would be one alpha for all channels: fine, but
  // then `alpha` has no channel axis to slice, so refuse rather than slice the wrong axis.
  const shared = (layer.config.shared_axes as number[] | null | undefined) ?? [];
  if (shared.includes(rankOf(inputs) - 1) || shared.includes(-1)) {
    throw badUsage(
      `channel pruning: layer '${layer.name}' (PReLU) shares alpha across channels; not supported`,
    );
  }
  return { kind: 'preserve', weights: PER_CHANNEL };
};

const softmax: RuleMaker = (layer, inputs) => ({
  kind: 'preserve',
  weights: {},
  pin: isChannelAxis(layer.config.axis ?? -1, rankOf(inputs))
    ? `'${layer.name}' applies softmax across channels`
    : undefined,
});

const flatten: RuleMaker = (layer, inputs) => {
  // Row-major flattening keeps channel c at position c only when nothing else is left.
  const spatial = inputs[0]?.slice(1, -1) ?? [];
  if (spatial.every((d) => d === 1)) return { kind: 'preserve', weights: {} };
  return { kind: 'opaque', reason: `'${layer.name}' flattens a ${spatial.join('x')} map` };
};

const reshape: RuleMaker = (layer, inputs) => {
  const target = layer.config.target_shape as number[];
  const channels = inputs[0]?.at(-1);
  // Keeping the last dimension keeps the channel as the fastest-varying index.
  if (target.at(-1) === channels)
    return { kind: 'preserve', weights: {}, lastDimKey: 'target_shape' };
  return { kind: 'opaque', reason: `'${layer.name}' reshapes the channel axis` };
};

/** Every layer class channel pruning knows, with the maker of its rule. */
const RULES = new Map<string, RuleMaker>([
  ['InputLayer', () => ({ kind: 'input' })],
  ...ELEMENTWISE.map((cls) => [cls, preserveAll] as const),
  ...SPATIAL.map((cls) => [cls, spatialOnly] as const),
  ...TIE.map((cls) => [cls, () => ({ kind: 'tie' }) as const] as const),
  ['Conv2D', convOrDense],
  ['Dense', convOrDense],
  ['Conv2DTranspose', conv2dTranspose],
  ['SeparableConv2D', separableConv2d],
  ['DepthwiseConv2D', depthwiseConv2d],
  ['BatchNormalization', batchNormalization],
  ['PReLU', prelu],
  ['Activation', (layer) => ({ kind: 'preserve', weights: {}, pin: softmaxReason(layer) })],
  ['Softmax', softmax],
  ['Flatten', flatten],
  ['Reshape', reshape],
  [
    'Concatenate',
    (layer, inputs) =>
      isChannelAxis(layer.config.axis ?? -1, rankOf(inputs)) ? { kind: 'concat' } : { kind: 'tie' },
  ],
]);

/** The rule for one layer; `inputs` are its input shapes. Throws badUsage for unknown classes. */
export function ruleFor(layer: KerasLayerJson, inputs: Shape[]): LayerRule {
  const make = RULES.get(layer.class_name);
  if (!make) {
    throw badUsage(
      `channel pruning: layer '${layer.name}' has class '${layer.class_name}', which channel pruning does not know; it cannot tell how that layer uses channels`,
    );
  }
  return make(layer, inputs);
}

/** Channel-indexed axes of one weight, looked up by the weight's short name. */
export function weightAxes(weights: WeightAxes, weightName: string): WeightAxis[] | undefined {
  const short = weightName.split('/').at(-1)?.replace(/_\d+$/, '') ?? weightName;
  return weights[short];
}
