// Which body layers `--layer auto` (and `visiontune rank`) consider: the output of every block of
// a registry backbone (its stem aside) and the backbone's taps; an imported model offers its taps.
// Each candidate is a whole-network feature map, so pooling it is a complete embedding.
import type * as tf from '@tensorflow/tfjs';
import { cutPoints, featureShape } from '../../backbones/graph.js';
import type { BlockRule, FeatureTap } from '../../backbones/types.js';
import { splitBlocks } from '../freeze/blocks.js';

export interface LayerCandidate {
  layer: string;
  /** Channels of the pooled feature (the embedding width). */
  channels: number;
}

/**
 * Candidates in the body's order (shallow to deep). `body` holds every layer up to the last tap
 * (createModel with featuresOnly); `rule` is the entry's block split, absent for imported models.
 */
export function layerCandidates(
  body: tf.LayersModel,
  taps: readonly FeatureTap[],
  rule?: BlockRule,
): LayerCandidate[] {
  const names = new Set(taps.map((t) => t.layer));
  if (rule) {
    const cuts = new Set(cutPoints(body).map((l) => l.name));
    for (const block of splitBlocks(body, rule)) {
      const last = block.layers.at(-1);
      if (block.kind !== 'stem' && last && cuts.has(last)) names.add(last);
    }
  }
  return body.layers.flatMap((layer) => {
    const shape = names.has(layer.name) ? featureShape(layer) : undefined;
    return shape ? [{ layer: layer.name, channels: shape[2] }] : [];
  });
}
