// The one factory (as timm's create_model): a registry name or a model path/URL in, a ready
// tf.LayersModel out — feature maps at taps, pooled embedding, or embedding + linear head.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { initializerSeed } from '../util/init-seed.js';
import {
  featureShape,
  getLayerOrThrow,
  TAP_STRIDES,
  type TapStride,
  tapForLayer,
  vectorWidth,
} from './graph.js';
import { layersOfSpec } from './layer-spec.js';
import {
  isModelLocation,
  type LayersBackboneOptions,
  loadLayersBackbone,
} from './layers-backbone.js';
import { getBackbone } from './registry.js';
import type { BackboneEntry, FeatureTap, PretrainedConfig } from './types.js';

export interface CreateModelOptions extends Omit<LayersBackboneOptions, 'inputSize'> {
  /** Load pretrained weights. Default: whether the entry has them. */
  pretrained?: boolean;
  /** Adds global average pooling, optional dropout and a Dense logits layer named `head`. */
  numClasses?: number;
  /** Dropout rate before the head (numClasses only). Default 0: no dropout layer. */
  dropRate?: number;
  /** One output per tap instead of a pooled embedding. */
  featuresOnly?: boolean;
  /** Square input size; default the entry's native size. */
  inputSize?: number;
  /** Taps for featuresOnly: strides from the config and/or layer names. Default: all config taps. */
  taps?: (TapStride | string)[];
  /**
   * Layer to pool for the embedding / classifier, or several joined by '+' (each pooled, then
   * concatenated); a [batch, dim] layer (pre-logits) is used as is. Default: config.embeddingLayer.
   */
  embeddingLayer?: string;
  /** Seed for random initialization of the body (when not pretrained) and of the head. */
  seed?: number;
}

export interface CreatedModel {
  model: tf.LayersModel;
  /** The entry's config with the choices applied: inputSize, taps, embeddingLayer/Dim. */
  config: PretrainedConfig;
  entry: BackboneEntry;
  /** How each layer of config.embeddingLayer is read (pooled map or vector as is). */
  embedding: EmbeddingPart[];
}

function chooseTaps(
  body: tf.LayersModel,
  config: PretrainedConfig,
  inputSize: number,
  wanted?: (TapStride | string)[],
) {
  if (!wanted) return config.taps;
  return wanted.map((t): FeatureTap => {
    if (typeof t === 'string') return tapForLayer(body, inputSize, t);
    const tap = config.taps.find((c) => c.stride === t);
    if (!tap) {
      const have = config.taps.map((c) => c.stride).join(', ');
      throw badUsage(
        `taps: stride ${t} is not one of this backbone's taps (${have}; any of ${TAP_STRIDES.join('/')} or a layer name)`,
      );
    }
    return tap;
  });
}

/** A location entry whose builds reload the model, so the first load can be freed right away. */
async function fromLocation(
  location: string,
  options: CreateModelOptions,
  pretrained: boolean,
  inputSize?: number,
) {
  const loaded = await loadLayersBackbone(location, options);
  try {
    const body = await loaded.build({ pretrained, inputSize });
    const { source: _source, dispose: _dispose, ...rest } = loaded;
    const entry: BackboneEntry = {
      ...rest,
      build: async (opts) => {
        const again = await loadLayersBackbone(location, options);
        try {
          return await again.build(opts);
        } finally {
          again.dispose();
        }
      },
    };
    return { entry, body };
  } finally {
    loaded.dispose();
  }
}

/**
 * How createModel reads one layer of an embedding spec: a feature map is pooled, a [batch, dim]
 * vector (a classifier's pre-logits, default-cut.ts) is used as is.
 */
export interface EmbeddingPart {
  layer: string;
  /** Features it adds to the embedding. */
  width: number;
  pooled: boolean;
}

/** The parts of `spec` ('a+b') in `body`; a layer of any other shape is refused, named. */
export function embeddingParts(body: tf.LayersModel, spec: string): EmbeddingPart[] {
  return layersOfSpec(spec).map((name) => {
    const layer = getLayerOrThrow(body, name);
    const shape = featureShape(layer);
    if (shape) return { layer: name, width: shape[2], pooled: true };
    const width = vectorWidth(layer);
    if (width !== undefined) return { layer: name, width, pooled: false };
    throw badUsage(
      `embeddingLayer: '${name}' outputs ${JSON.stringify(layer.outputShape)}, neither a feature map [batch, height, width, channels] (pooled) nor a vector [batch, dim] (used as is)`,
    );
  });
}

/**
 * The embedding: global average pooling of each feature map, vectors as they are; several are
 * concatenated. The layer the head reads is named `pool` (freeze/blocks.ts and the bundles find
 * the head by it) unless the embedding is one vector, which the head reads straight from the body.
 */
export function poolLayers(
  features: { output: tf.SymbolicTensor; pooled: boolean }[],
): tf.SymbolicTensor {
  const one = features.length === 1;
  const each = features.map(({ output, pooled }, i) =>
    pooled
      ? (tf.layers
          .globalAveragePooling2d({ name: one ? 'pool' : `pool_${i}` })
          .apply(output) as tf.SymbolicTensor)
      : output,
  );
  if (one) return each[0]!;
  return tf.layers.concatenate({ name: 'pool' }).apply(each) as tf.SymbolicTensor;
}

export async function createModel(
  name: string,
  options: CreateModelOptions = {},
): Promise<CreatedModel> {
  if (options.featuresOnly && options.numClasses !== undefined) {
    throw badUsage('featuresOnly and numClasses exclude each other: features have no head');
  }
  if (
    options.numClasses !== undefined &&
    !(Number.isInteger(options.numClasses) && options.numClasses > 0)
  ) {
    throw badUsage(`numClasses: must be a positive whole number (got ${options.numClasses})`);
  }
  const dropRate = options.dropRate ?? 0;
  if (!(dropRate >= 0 && dropRate < 1))
    throw badUsage(`dropRate: must be in [0, 1) (got ${dropRate})`);

  let entry: BackboneEntry;
  let body: tf.LayersModel;
  if (isModelLocation(name)) {
    ({ entry, body } = await fromLocation(
      name,
      options,
      options.pretrained ?? true,
      options.inputSize,
    ));
  } else {
    if (options.cut !== undefined)
      throw badUsage(`cut: only for a model path/URL, not the built-in '${name}'`);
    entry = getBackbone(name);
    const pretrained = options.pretrained ?? entry.hasPretrained;
    if (pretrained && !entry.hasPretrained) {
      throw badUsage(`${name} has no pretrained weights; pass pretrained: false`);
    }
    body = await entry.build({ pretrained, inputSize: options.inputSize, seed: options.seed });
  }

  const inputSize = body.inputs[0].shape[1] as number;
  const taps = chooseTaps(body, entry.config, inputSize, options.taps);
  const embeddingLayer = options.embeddingLayer ?? entry.config.embeddingLayer;
  const embedding = embeddingParts(body, embeddingLayer);
  const config: PretrainedConfig = {
    ...entry.config,
    inputSize,
    taps,
    embeddingLayer,
    embeddingDim: embedding.reduce((sum, p) => sum + p.width, 0),
  };

  const input = body.inputs[0];
  let model: tf.LayersModel;
  if (options.featuresOnly) {
    const outputs = taps.map((t) => getLayerOrThrow(body, t.layer).output as tf.SymbolicTensor);
    model = tf.model({ inputs: input, outputs, name: `${entry.name}_features` });
  } else {
    let x = poolLayers(
      embedding.map((p) => ({
        output: getLayerOrThrow(body, p.layer).output as tf.SymbolicTensor,
        pooled: p.pooled,
      })),
    );
    if (options.numClasses === undefined) {
      model = tf.model({ inputs: input, outputs: x, name: `${entry.name}_embed` });
    } else {
      if (dropRate > 0)
        x = tf.layers.dropout({ rate: dropRate, name: 'head_drop' }).apply(x) as tf.SymbolicTensor;
      const head = tf.layers.dense({
        units: options.numClasses,
        name: 'head',
        kernelInitializer: tf.initializers.glorotUniform({
          seed: initializerSeed(options.seed ?? 0, 1_000),
        }),
      });
      model = tf.model({
        inputs: input,
        outputs: head.apply(x) as tf.SymbolicTensor,
        name: `${entry.name}_cls`,
      });
    }
  }
  // Layers past the last tap / embedding layer are unreachable from the model: free their weights.
  const used = new Set(model.layers);
  for (const layer of body.layers) if (!used.has(layer)) layer.dispose();
  return { model, config, entry, embedding };
}
