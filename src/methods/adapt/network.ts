// The network every adaptation method trains: a backbone, pooled, then a bottleneck (Dense →
// BatchNorm → ReLU, the 256-d feature layer DANN, CDAN and DAN implementations align) and a
// linear classifier. One model gives [features, logits] for the losses; the exported classifier
// is the same layers from image to logits, an ordinary layers model.
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import { type BackboneEntry, createModel, type PretrainedConfig } from '../../backbones/index.js';
import { initializerSeed } from '../../util/init-seed.js';

export interface AdaptNetwork {
  /** image → [features, logits]. */
  net: tf.LayersModel;
  /** image → logits (what the bundle saves). */
  classifier: tf.LayersModel;
  featureDim: number;
  backboneConfig: PretrainedConfig;
  entry: BackboneEntry;
  /** Layers of the backbone (not the bottleneck or head), for freezing choices. */
  backboneLayers: tf.layers.Layer[];
}

export interface AdaptNetworkOptions {
  backbone: string;
  classes: number;
  bottleneck: number;
  inputSize?: number;
  pretrained: boolean;
  seed: number;
}

export async function createAdaptNetwork(options: AdaptNetworkOptions): Promise<AdaptNetwork> {
  const {
    model: embed,
    config,
    entry,
  } = await createModel(options.backbone, {
    inputSize: options.inputSize,
    pretrained: options.pretrained,
    seed: options.seed,
  });
  const init = (k: number) =>
    tf.initializers.glorotUniform({ seed: initializerSeed(options.seed, 2_000 + k) });
  // Named head*: the optimizer's param groups put them (and the discriminator) at the full lr.
  let x = tf.layers
    .dense({ units: options.bottleneck, name: 'head_bottleneck', kernelInitializer: init(0) })
    .apply(embed.outputs[0]!) as tf.SymbolicTensor;
  x = batchNormalization({ name: 'head_bottleneck_bn', momentum: 0.9 }).apply(
    x,
  ) as tf.SymbolicTensor;
  const features = tf.layers
    .activation({ activation: 'relu', name: 'head_bottleneck_relu' })
    .apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: options.classes, name: 'head', kernelInitializer: init(1) })
    .apply(features) as tf.SymbolicTensor;
  const input = embed.inputs[0]!;
  return {
    net: tf.model({ inputs: input, outputs: [features, logits], name: `${entry.name}_adapt` }),
    classifier: tf.model({ inputs: input, outputs: logits, name: `${entry.name}_cls` }),
    featureDim: options.bottleneck,
    backboneConfig: config,
    entry,
    backboneLayers: embed.layers,
  };
}
