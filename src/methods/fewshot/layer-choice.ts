// `--embedding-layer auto` for few-shot runs: the layer is chosen by LogME on the images of the
// meta-train classes only — never the meta-validation or meta-test classes, whose novelty is the
// point of the protocol. Single layers only: few-shot methods read the raw pooled embedding (no
// per-feature standardization), where a concatenated pair is dominated by its larger-scale half,
// and a pair's shallower layer would sit below the cut that meta-training needs (network.ts).
import { fallbackLayer, type ResolvedLayer, resolveLayer } from '../rank/auto-layer.js';
import { AUTO_LAYER } from '../rank/choose-layer.js';
import type { FewShotConfig } from './config.js';
import type { SamplePool } from './pools.js';

/** The images the choice may see: the meta-train pool; absent when the run has none. */
export async function chooseFewShotLayer(
  config: FewShotConfig,
  trainPool: SamplePool | undefined,
  resolve: typeof resolveLayer = resolveLayer,
): Promise<ResolvedLayer> {
  if (config.embeddingLayer !== AUTO_LAYER) return { layer: config.embeddingLayer };
  if (trainPool === undefined)
    return {
      layer: fallbackLayer(config.backbone),
      fallback:
        'the run has no meta-train classes to choose on (meta-test classes are never used for it)',
    };
  return resolve({
    layer: config.embeddingLayer,
    what: `the images of the ${trainPool.description}`,
    backbone: config.backbone,
    pretrained: config.pretrained,
    inputSize: config.imageSize,
    source: trainPool.source,
    samples: trainPool.samples,
    seed: config.seed,
    combine: false,
  });
}
