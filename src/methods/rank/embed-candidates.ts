// One forward pass for many candidate layers: every candidate pooled and concatenated into one
// embedding (createModel's 'a+b' spec), cached like any embedding, then cut back into one
// feature block per layer.
import { type CreatedModel, createModel } from '../../backbones/index.js';
import { layerSpec, layersOfSpec } from '../../backbones/layer-spec.js';
import type { PretrainedConfig } from '../../backbones/types.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badUsage } from '../../errors.js';
import { backboneIdentity } from '../content-hash.js';
import { cachedEmbeddings } from '../embedding-cache.js';
import { type LayerCandidate, layerCandidates } from './candidates.js';
import type { LayerFeatures } from './score-layers.js';

/**
 * `auto`: the backbone's candidates (candidates.ts); `all`: every feature map it could pool; both
 * with the embedding where it is a vector (pre-logits, used as is).
 */
export type LayerSet = 'auto' | 'all' | readonly string[];

export interface EmbedCandidatesOptions {
  backbone: string;
  /** Square input size; default the backbone's native size. */
  inputSize?: number;
  layers?: LayerSet;
  source: DataSource;
  samples: readonly Sample[];
  seed: number;
  /** Default: whether the backbone has pretrained weights (a seeded random init otherwise). */
  pretrained?: boolean;
  cacheDir?: string;
  batchSize?: number;
}

export interface CandidateFeatures {
  layers: LayerFeatures[];
  /** Labels of the rows (images that failed to decode under skipBad are left out). */
  labels: Int32Array;
  config: PretrainedConfig;
  /** Wall time of the embedding pass (cache hits make it short). */
  seconds: number;
  computed: number;
}

/**
 * The candidate layers of a built feature model (all taps kept, so every layer is present), plus
 * the embedding's vector layers (a transformer's pre-logits), which lie past every tap.
 */
function pickCandidates(
  { model, config, entry, embedding }: CreatedModel,
  wanted: LayerSet,
): LayerCandidate[] {
  const vectors = embedding.flatMap((p) =>
    p.pooled ? [] : [{ layer: p.layer, channels: p.width }],
  );
  if (wanted === 'auto') return [...layerCandidates(model, config.taps, entry.blocks), ...vectors];
  const maps = model.layers.flatMap((l) => {
    const shape = l.outputShape as (number | null)[];
    return shape.length === 4 && l.getClassName() !== 'InputLayer'
      ? [{ layer: l.name, channels: shape[3] as number }]
      : [];
  });
  const all = [...maps, ...vectors];
  if (wanted === 'all') return all;
  const byName = new Map(all.map((c) => [c.layer, c]));
  return wanted.flatMap((spec) =>
    layersOfSpec(spec).map((name) => {
      const found = byName.get(name);
      if (!found)
        throw badUsage(
          `layer '${name}' is not a feature map of ${model.name.replace(/_features$/, '')} (see visiontune rank --layers all)`,
        );
      return found;
    }),
  );
}

export async function embedCandidates(options: EmbedCandidatesOptions): Promise<CandidateFeatures> {
  const features = await createModel(options.backbone, {
    inputSize: options.inputSize,
    pretrained: options.pretrained,
    featuresOnly: true,
    seed: options.seed,
  });
  const candidates = pickCandidates(features, options.layers ?? 'auto');
  const unique = [...new Map(candidates.map((c) => [c.layer, c])).values()];
  features.model.dispose();
  const spec = layerSpec(unique.map((c) => c.layer));
  const created = await createModel(options.backbone, {
    inputSize: options.inputSize,
    pretrained: options.pretrained,
    embeddingLayer: spec,
    seed: options.seed,
  });
  try {
    const started = performance.now();
    const set = await cachedEmbeddings({
      model: created.model,
      backboneKey: await backboneIdentity(options.backbone, {
        pretrained: options.pretrained ?? created.entry.hasPretrained,
        seed: options.seed,
      }),
      config: created.config,
      source: options.source,
      samples: options.samples,
      cacheDir: options.cacheDir,
      batchSize: options.batchSize,
    });
    const seconds = (performance.now() - started) / 1000;
    const n = set.labels.length;
    let offset = 0;
    const layers = unique.map(({ layer, channels }) => {
      const block = new Float32Array(n * channels);
      for (let i = 0; i < n; i++) {
        block.set(
          set.embeddings.subarray(i * set.dim + offset, i * set.dim + offset + channels),
          i * channels,
        );
      }
      offset += channels;
      return { layer, features: block, dim: channels };
    });
    return {
      layers,
      labels: set.labels,
      config: created.config,
      seconds,
      computed: set.cache.computed,
    };
  } finally {
    created.model.dispose();
  }
}
