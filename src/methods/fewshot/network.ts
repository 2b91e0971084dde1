// The network few-shot methods train, split in two at a block boundary: a frozen prefix (image →
// features at the cut), run once per image and cached, and a trainable body (cut features →
// pooled embedding) that meta-training and MAML's inner loops update. `--unfreeze N` picks the
// cut as in fine-tuning: the last N blocks train. With 'all' there is no prefix and the cache
// holds the preprocessed images. The body shares its layer objects (and so its weights) with the
// image → embedding model that gets saved.
import * as tf from '@tensorflow/tfjs';
import { cutPoints } from '../../backbones/graph.js';
import { type BackboneEntry, createModel, type PretrainedConfig } from '../../backbones/index.js';
import { badUsage } from '../../errors.js';
import { isBatchNorm } from '../../train/batchnorm.js';
import { splitBlocks } from '../freeze/blocks.js';
import { resolveUnfreeze, type Unfreeze, unfreezeLast } from '../freeze/freeze.js';

export interface FewShotNetworkOptions {
  backbone: string;
  pretrained: boolean;
  inputSize?: number;
  /** Blocks that train (meta-training, MAML's inner loop); default 'all'. */
  unfreeze?: Unfreeze;
  /** Whether BatchNorm layers in the trainable blocks keep their moving statistics frozen. */
  freezeBatchNorm: boolean;
  /** Layer whose pooled output is the embedding; default the backbone's. */
  embeddingLayer?: string;
  /**
   * Let a numeric `unfreeze` above the block count mean every block (set when `--layer auto`
   * picked the layer: a shallow pick may leave fewer blocks than the user's count).
   */
  capUnfreeze?: boolean;
  seed: number;
}

export interface FewShotNetwork {
  /** image → cut features (frozen); null when every block trains. */
  prefix: tf.LayersModel | null;
  /** cut features (or images) → pooled embedding. */
  body: tf.LayersModel;
  /** image → embedding, the same layers: what a bundle saves. */
  full: tf.LayersModel;
  config: PretrainedConfig;
  entry: BackboneEntry;
  embeddingDim: number;
  /** Layer whose output the cache holds; null for images. */
  cut: string | null;
  trainableBlocks: string[];
}

/** A model from `cut`'s output to the model's output, reusing (sharing) the layers after it. */
export function modelAfter(model: tf.LayersModel, cut: string): tf.LayersModel {
  const layers = model.layers;
  const at = layers.findIndex((l) => l.name === cut);
  if (at < 0) throw badUsage(`no layer '${cut}' in ${model.name}`);
  const input = tf.input({ shape: (layers[at]!.outputShape as number[]).slice(1) });
  const out = new Map<string, tf.SymbolicTensor>([[cut, input]]);
  for (const layer of layers.slice(at + 1)) {
    const node = layer.inboundNodes[0]!;
    const inputs = node.inboundLayers.map((src) => {
      const t = out.get(src.name);
      if (!t)
        throw badUsage(
          `cannot cut ${model.name} at '${cut}': '${layer.name}' also reads '${src.name}'`,
        );
      return t;
    });
    out.set(
      layer.name,
      layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tf.SymbolicTensor,
    );
  }
  return tf.model({
    inputs: input,
    outputs: out.get(layers.at(-1)!.name)!,
    name: `${model.name}_after_${cut}`,
  });
}

export async function createFewShotNetwork(
  options: FewShotNetworkOptions,
): Promise<FewShotNetwork> {
  const { model, config, entry } = await createModel(options.backbone, {
    pretrained: options.pretrained,
    inputSize: options.inputSize,
    embeddingLayer: options.embeddingLayer,
    seed: options.seed,
  });
  const blocks = splitBlocks(model, entry.blocks);
  const wanted = options.unfreeze ?? 'all';
  const count = resolveUnfreeze(
    options.capUnfreeze && wanted !== 'all' ? Math.min(wanted, blocks.length) : wanted,
    blocks,
  );
  const freeze = unfreezeLast(
    model,
    count,
    blocks,
    options.freezeBatchNorm ? isBatchNorm : undefined,
  );
  const first = blocks.length - count;
  const common = {
    full: model,
    config,
    entry,
    embeddingDim: config.embeddingDim,
    trainableBlocks: freeze.trainable,
  };
  if (first === 0) return { ...common, prefix: null, body: model, cut: null };
  const cut = blocks[first - 1]!.layers.at(-1)!;
  if (!cutPoints(model).some((l) => l.name === cut)) {
    throw badUsage(
      `--unfreeze ${count}: the block boundary '${cut}' is not a single tensor; try another count`,
    );
  }
  const prefix = tf.model({
    inputs: model.inputs,
    outputs: model.getLayer(cut).output,
    name: `${model.name}_prefix`,
  });
  return { ...common, prefix, body: modelAfter(model, cut), cut };
}

/** The body's weights that train without a gradient (BatchNorm moving statistics, frozen layers). */
export function bodyStatistics(network: Pick<FewShotNetwork, 'body'>): tf.Variable[] {
  return network.body.nonTrainableWeights.map((w) => w.read() as tf.Variable);
}
