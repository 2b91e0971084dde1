// The backbone body every dense head (detector, segmentation decoders) starts from: a registry
// backbone's feature maps at the given strides, refused by name when a map is not exactly
// input/stride on a side — 'valid' padding (inception_v3) would misplace every location and
// break the upsample-and-add / concatenate steps with a shape error instead. A tap may also be a
// layer name (a multi-task network's classification head reading a named layer); those are taken
// as they are.
import type * as tf from '@tensorflow/tfjs';
import type { TapStride } from '../backbones/graph.js';
import { createModel, type PretrainedConfig } from '../backbones/index.js';
import type { BackboneEntry } from '../backbones/types.js';
import { badUsage } from '../errors.js';

export interface TapsBody {
  /** Input → one output per tap (stride or layer name), in the given order. */
  body: tf.LayersModel;
  config: PretrainedConfig;
  entry: BackboneEntry;
  /** Names of the body's layers: the backbone, for freezing and learning-rate groups. */
  backboneLayers: Set<string>;
}

export async function backboneTaps(
  backbone: string,
  taps: readonly (TapStride | string)[],
  options: {
    inputSize: number;
    pretrained: boolean;
    seed: number;
    /** Strides whose maps must be exactly input/stride. Default: every stride in `taps`. */
    exactStrides?: readonly TapStride[];
  },
): Promise<TapsBody> {
  const { inputSize } = options;
  const features = await createModel(backbone, {
    featuresOnly: true,
    taps: [...taps],
    inputSize,
    pretrained: options.pretrained,
    seed: options.seed,
  });
  const body = features.model;
  const exact = (t: TapStride | string) =>
    typeof t === 'number' && (options.exactStrides?.includes(t) ?? true);
  const atStride = taps.flatMap((t, i) => (exact(t) ? [i] : []));
  const strides = atStride.map((i) => taps[i] as TapStride);
  const got = atStride.map((i) => `${body.outputs[i].shape[1]}x${body.outputs[i].shape[2]}`);
  const want = strides.map((s) => `${Math.ceil(inputSize / s)}x${Math.ceil(inputSize / s)}`);
  if (got.join() !== want.join()) {
    body.dispose();
    throw badUsage(
      `backbone ${backbone}: its stride-${strides.join('/')} feature maps are ${got.join(', ')} at ${inputSize} px, not ${want.join(', ')}; this head needs 'same'-padded backbones (e.g. mobilenet_v2, mobilenet_v2_035, resnet_tiny)`,
    );
  }
  return {
    body,
    config: features.config,
    entry: features.entry,
    backboneLayers: new Set(body.layers.map((l) => l.name)),
  };
}
