// The linear strategy: a frozen backbone's pooled embeddings (cached on disk), then a linear or
// MLP head trained on them with the shared loop. Its probe (layer choice, embeddings, head) is
// also lp-ft's first stage (lp-ft-strategy.ts).
import * as tf from '@tensorflow/tfjs';
import { createModel, type PretrainedConfig } from '../../backbones/index.js';
import { layersOfSpec } from '../../backbones/layer-spec.js';
import { AUTO_IMAGE_SIZE } from '../../config/run-fields.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badUsage } from '../../errors.js';
import { backboneIdentity } from '../content-hash.js';
import type { EmbeddingSet } from '../embed.js';
import { cachedEmbeddings } from '../embedding-cache.js';
import { AUTO_LAYER, chooseLayer, describeChoice, type LayerChoice } from '../rank/choose-layer.js';
import { imageSizeCandidates } from '../rank/image-sizes.js';
import { DEFAULT_LR, fixedImageSize, type TrainConfig } from './config.js';
import { type LinearHead, linearHead } from './linear-head.js';
import type { RunSplits } from './splits.js';
import type { Prepared } from './strategy.js';

/** A head on a frozen backbone's pooled embeddings, ready to train on the cached training set. */
export interface LinearProbe {
  /** Image in, pooled embedding of the chosen layer out. */
  embed: tf.LayersModel;
  backboneConfig: PretrainedConfig;
  layerChoice?: LayerChoice;
  head: LinearHead;
  /** Embeddings of `samples` (from the cache where present), logging what it did. */
  embedAll(samples: readonly Sample[], what: string): Promise<EmbeddingSet>;
}

/**
 * `--layer auto` and/or `--image-size auto`: the layer and size scored best on the training
 * split; a named layer is only scored across the sizes. Undefined when both are fixed.
 */
async function chooseLinearLayer(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
): Promise<LayerChoice | undefined> {
  const autoLayer = config.layer === AUTO_LAYER;
  const autoSize = config.imageSize === AUTO_IMAGE_SIZE;
  if (!(autoLayer || autoSize)) return undefined;
  if (!autoLayer && layersOfSpec(config.layer).length > 1)
    throw badUsage(
      `--image-size auto scores single layers: name one with --layer, or use --layer auto (got '${config.layer}')`,
    );
  return chooseLayer({
    backbone: config.backbone,
    inputSize: autoSize ? undefined : fixedImageSize(config),
    sizes: autoSize
      ? await imageSizeCandidates(config.backbone, source, splits.train, config.imageSizes)
      : undefined,
    layers: autoLayer ? 'auto' : [config.layer],
    combine: autoLayer,
    source,
    samples: splits.train,
    numClasses: source.classes.length,
    seed: config.seed,
    cacheDir: config.cacheDir,
    batchSize: config.batch,
  });
}

/**
 * The probe of `config`: layer choice, embeddings of the training and validation splits, and the
 * head, which trains `stage.epochs` at `stage.lr`.
 */
export async function linearProbe(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
  log: (line: string) => void,
  stage: { lr: number; epochs: number },
): Promise<LinearProbe> {
  const layerChoice = await chooseLinearLayer(config, source, splits);
  if (layerChoice) log(describeChoice(layerChoice));
  const {
    model: embed,
    config: backboneConfig,
    entry,
  } = await createModel(config.backbone, {
    inputSize: layerChoice?.imageSize ?? fixedImageSize(config),
    embeddingLayer: layerChoice?.layer ?? config.layer,
    seed: config.seed,
  });
  // A random-init backbone (no pretrained weights) is keyed by its seed.
  const backboneKey = await backboneIdentity(config.backbone, {
    pretrained: entry.hasPretrained,
    seed: config.seed,
  });
  const embedAll = async (samples: readonly Sample[], what: string) => {
    const started = performance.now();
    const set = await cachedEmbeddings({
      model: embed,
      backboneKey,
      config: backboneConfig,
      source,
      samples,
      cacheDir: config.cacheDir,
      batchSize: config.batch,
    });
    const s = ((performance.now() - started) / 1000).toFixed(1);
    log(`embedded ${what}: ${set.cache.computed} computed, ${set.cache.hits} from cache (${s} s)`);
    return set;
  };
  const train = await embedAll(splits.train, 'train');
  const val = splits.val.length > 0 ? await embedAll(splits.val, 'val') : undefined;
  const head = linearHead(train, val, {
    classes: source.classes.length,
    hidden: config.hidden,
    dropRate: config.dropRate,
    epochs: stage.epochs,
    batchSize: config.batch,
    lr: stage.lr,
    weightDecay: config.weightDecay,
    labelSmoothing: config.labelSmoothing,
    seed: config.seed,
    log,
  });
  return { embed, backboneConfig, layerChoice, head, embedAll };
}

export async function prepareLinear(
  config: TrainConfig,
  source: DataSource,
  splits: RunSplits,
  log: (line: string) => void,
): Promise<Prepared> {
  const { embed, backboneConfig, layerChoice, head, embedAll } = await linearProbe(
    config,
    source,
    splits,
    log,
    { lr: config.lr ?? DEFAULT_LR.linear, epochs: config.epochs },
  );
  const classifier = tf.model({
    inputs: embed.inputs,
    outputs: head.apply(embed.outputs[0] as tf.SymbolicTensor),
    name: 'classifier',
  });
  return {
    classifier,
    backboneConfig,
    layerChoice,
    plan: head.plan,
    lrPerStep: false,
    // The head on cached embeddings computes what the composed classifier computes, without
    // running the backbone again.
    evaluate: async (samples) => {
      const set = await embedAll(samples, 'evaluation images');
      return tf.tidy(
        () =>
          tf
            .softmax(
              head.model.predict(
                tf.tensor2d(set.embeddings, [set.labels.length, set.dim]),
              ) as tf.Tensor2D,
            )
            .dataSync() as Float32Array,
      );
    },
  };
}
