// LEEP and NCE read the source task's classifier: they exist only for an imported TF.js model
// that still ends in one (one vector per image; logits are softmaxed). Registry backbones are
// bodies without a head, so they get none. The head sees the image at the model's own input
// size, so both are scores of the whole model, not of a layer.
import * as tf from '@tensorflow/tfjs';
import { isModelLocation, loadLayersBackbone } from '../../backbones/index.js';
import { createLoader, evalTransform } from '../../data/index.js';
import type { DataSource, Sample } from '../../data/types.js';
import { collectEmbeddings, embedBatches } from '../embed.js';
import { leep, nce } from './leep.js';

export interface SourceHeadScores {
  leep: number;
  nce: number;
  /** Classes of the source head. */
  sourceClasses: number;
}

/** Each row turned into probabilities, unless every row already is a distribution. */
function asProbabilities(values: Float32Array, width: number): Float32Array {
  const rows = values.length / width;
  let distribution = true;
  for (let r = 0; r < rows && distribution; r++) {
    let sum = 0;
    for (let z = 0; z < width; z++) {
      const v = values[r * width + z]!;
      if (v < 0) distribution = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) distribution = false;
  }
  if (distribution) return values;
  return tf.tidy(() => tf.softmax(tf.tensor2d(values, [rows, width])).dataSync() as Float32Array);
}

/** LEEP and NCE of `backbone`'s source head on the samples; undefined when it has no head. */
export async function sourceHeadScores(
  backbone: string,
  source: DataSource,
  samples: readonly Sample[],
  numClasses: number,
  batchSize = 32,
): Promise<SourceHeadScores | undefined> {
  if (!isModelLocation(backbone)) return undefined;
  const loaded = await loadLayersBackbone(backbone);
  try {
    const model = loaded.source;
    const shape = model.outputs[0]!.shape;
    if (model.outputs.length !== 1 || shape.length !== 2 || !((shape[1] ?? 0) > 1))
      return undefined;
    const loader = createLoader(source, samples, {
      batchSize,
      transform: evalTransform(loaded.config),
    });
    const set = await collectEmbeddings(embedBatches(model, loader));
    const input = {
      probabilities: asProbabilities(set.embeddings, set.dim),
      sourceClasses: set.dim,
      labels: set.labels,
      numClasses,
    };
    return { leep: leep(input), nce: nce(input), sourceClasses: set.dim };
  } finally {
    loaded.dispose();
  }
}
