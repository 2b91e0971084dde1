// The image → embedding half of a few-shot classifier: from a registry name, a TF.js layers
// model (createModel's pooled embedding), or an existing visiontune bundle (its model up to the
// input of `head`, or its whole output when it has no head), with the preprocessing that goes
// with it; `--layer auto` chosen on the support images. Also embeds a list of samples the way
// predict/eval will feed the saved bundle.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../../backbones/index.js';
import { loadBundle } from '../../../bundle/bundle.js';
import { META_FILE, type Preprocessing } from '../../../bundle/meta.js';
import { bundleTransform } from '../../../bundle/preprocess.js';
import { createLoader } from '../../../data/index.js';
import type { DataSource, Sample, SkipReport } from '../../../data/types.js';
import { badInput, badUsage } from '../../../errors.js';
import { readableDir } from '../../../guard/replace-dir.js';
import { collectEmbeddings, type EmbeddingSet, embedBatches } from '../../embed.js';
import { type ResolvedLayer, resolveLayer } from '../../rank/auto-layer.js';
import { AUTO_LAYER } from '../../rank/choose-layer.js';

/** timm's default eval crop, as classification bundles record it. */
const CROP_PCT = 0.875;

export interface BackboneSpec {
  /** Registry name, path/URL of a TF.js layers model.json, or a visiontune bundle folder. */
  backbone: string;
  imageSize?: number;
  /** Layer to pool (registry/model backbones). */
  layer?: string;
  /** Layer to cut a model path/URL at. */
  cut?: string;
  /** Default: whether the backbone has pretrained weights. */
  pretrained?: boolean;
  seed: number;
}

export interface Embedder {
  /** image → [batch, dim] embedding. */
  model: tf.LayersModel;
  preprocessing: Preprocessing;
  /** What the bundle's `backbone` field records. */
  backbone: { name: string; embeddingDim: number };
  /** The pooled layer (registry/model backbones; a bundle backbone's is its own). */
  layer?: string;
}

export async function isBundleDir(spec: string): Promise<boolean> {
  return fs.stat(path.join(await readableDir(spec), META_FILE)).then(
    (st) => st.isFile(),
    () => false,
  );
}

async function fromBundle(spec: BackboneSpec): Promise<Embedder> {
  for (const [flag, value] of [
    ['layer', spec.layer],
    ['cut', spec.cut],
  ] as const) {
    if (value !== undefined)
      throw badUsage(`${flag}: not for a bundle backbone (${spec.backbone})`);
  }
  const bundle = await loadBundle(spec.backbone);
  const p = bundle.meta.preprocessing;
  if (spec.imageSize !== undefined && spec.imageSize !== p.inputSize) {
    throw badUsage(
      `imageSize: the bundle ${spec.backbone} takes ${p.inputSize} px images; leave the size out or use ${p.inputSize}`,
    );
  }
  const head = bundle.model.layers.find((l) => l.name === 'head');
  const output = (head ? head.input : bundle.model.outputs[0]) as tf.SymbolicTensor;
  if (Array.isArray(output) || output.shape.length !== 2) {
    throw badInput(
      `${spec.backbone}: the bundle's ${head ? 'head input' : 'output'} has shape [${
        Array.isArray(output) ? '…' : output.shape.join(', ')
      }], not an embedding [batch, dim]`,
    );
  }
  const model = head
    ? tf.model({
        inputs: bundle.model.inputs,
        outputs: output,
        name: 'bundle_embed',
      })
    : bundle.model;
  return {
    model,
    preprocessing: p,
    backbone: { name: bundle.meta.backbone.name, embeddingDim: output.shape[1] as number },
  };
}

export async function resolveBackbone(spec: BackboneSpec): Promise<Embedder> {
  if (await isBundleDir(spec.backbone)) return fromBundle(spec);
  const { model, config } = await createModel(spec.backbone, {
    inputSize: spec.imageSize,
    embeddingLayer: spec.layer,
    cut: spec.cut,
    pretrained: spec.pretrained,
    seed: spec.seed,
  });
  return {
    model,
    preprocessing: {
      inputSize: config.inputSize,
      mean: config.mean,
      std: config.std,
      interpolation: config.interpolation,
      cropPct: CROP_PCT,
    },
    backbone: { name: spec.backbone, embeddingDim: config.embeddingDim },
    layer: config.embeddingLayer,
  };
}

/**
 * `--layer auto` for a fit: chosen by LogME on the support images, single layers only (as for
 * `fewshot eval`, methods/fewshot/layer-choice.ts). A bundle backbone keeps its embedding, and
 * a model cut with --cut ends at the layer the cut names.
 */
export async function chooseSupportLayer(
  spec: BackboneSpec & { layer: string; batchSize?: number },
  support: DataSource,
  samples: readonly Sample[],
  pretrained: boolean | undefined,
): Promise<ResolvedLayer> {
  if (spec.layer === AUTO_LAYER && (spec.cut !== undefined || (await isBundleDir(spec.backbone))))
    return { layer: undefined };
  return resolveLayer({
    layer: spec.layer,
    what: `the support images of ${support.name}`,
    backbone: spec.backbone,
    pretrained,
    inputSize: spec.imageSize,
    source: support,
    samples,
    seed: spec.seed,
    batchSize: spec.batchSize,
    combine: false,
  });
}

/** Runs `model` over the samples with the bundle's eval preprocessing. */
export async function embedSamples(
  model: tf.LayersModel,
  preprocessing: Preprocessing,
  source: DataSource,
  samples: readonly Sample[],
  options: { batchSize?: number; onBatch?: (n: number) => void } = {},
): Promise<EmbeddingSet & { skipped: SkipReport }> {
  const p = preprocessing;
  const loader = createLoader(source, samples, {
    batchSize: options.batchSize ?? 32,
    transform: bundleTransform(p),
  });
  const set = await collectEmbeddings(embedBatches(model, loader), options.onBatch);
  return { ...set, skipped: loader.skipped };
}
