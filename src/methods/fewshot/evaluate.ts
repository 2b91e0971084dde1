// Evaluation on a fixed set of episodes: per-episode query accuracy and its mean with a 95%
// confidence interval. Methods with a fixed test-time embedding get every pool image embedded
// once; adapting methods (MAML, Reptile) see each episode's cut features.
import * as tf from '@tensorflow/tfjs';
import type { FeatureCache } from './cache.js';
import { gatherRows } from './cache.js';
import type { Episode } from './episodes.js';
import type { EmbeddingLearner, FewShotLearner } from './learner.js';
import { accuracyOf } from './losses.js';
import { type MeanCI, meanCI } from './stats.js';

export interface EpisodeEvaluation {
  accuracies: Float64Array;
  summary: MeanCI;
}

/** Embeddings of every cache row (inference mode), as a cache of [count, dim]. */
export async function embedCache(
  learner: EmbeddingLearner,
  cache: FeatureCache,
  batch = 256,
): Promise<FeatureCache> {
  let values = new Float32Array(0);
  let dim = 0;
  for (let start = 0; start < cache.count; start += batch) {
    const rows = Array.from({ length: Math.min(batch, cache.count - start) }, (_, i) => start + i);
    const x = gatherRows(cache, rows);
    const emb = learner.embed(x);
    const data = (await emb.data()) as Float32Array;
    if (start === 0) {
      dim = emb.shape[1];
      values = new Float32Array(cache.count * dim);
    }
    values.set(data, start * dim);
    tf.dispose([x, emb]);
  }
  return { values, itemShape: [dim], count: cache.count };
}

/**
 * What the learner's episodes are gathered from: every cache row embedded once for learners with
 * a fixed test-time embedding, the cut features themselves for adapting learners.
 */
export function episodeRows(learner: FewShotLearner, cache: FeatureCache): Promise<FeatureCache> {
  return learner.kind === 'embedding' ? embedCache(learner, cache) : Promise.resolve(cache);
}

/** Scores each list of episodes; the pool is embedded once for all of them. */
export async function evaluateEpisodeSets(
  learner: FewShotLearner,
  cache: FeatureCache,
  sets: readonly (readonly Episode[])[],
): Promise<EpisodeEvaluation[]> {
  const rows = await episodeRows(learner, cache);
  const out: EpisodeEvaluation[] = [];
  for (const episodes of sets) out.push(await scoreEpisodes(learner, rows, episodes));
  return out;
}

export async function evaluateEpisodes(
  learner: FewShotLearner,
  cache: FeatureCache,
  episodes: readonly Episode[],
): Promise<EpisodeEvaluation> {
  return scoreEpisodes(learner, await episodeRows(learner, cache), episodes);
}

async function scoreEpisodes(
  learner: FewShotLearner,
  rows: FeatureCache,
  episodes: readonly Episode[],
): Promise<EpisodeEvaluation> {
  const accuracies = new Float64Array(episodes.length);
  for (const [i, e] of episodes.entries()) {
    const support = gatherRows(rows, e.support);
    const query = gatherRows(rows, e.query);
    const predicted =
      learner.kind === 'embedding'
        ? await learner.classify(
            support as tf.Tensor2D,
            e.supportLabels,
            query as tf.Tensor2D,
            e.ways,
          )
        : await learner.predict({ support, supportLabels: e.supportLabels, query, ways: e.ways });
    tf.dispose([support, query]);
    accuracies[i] = accuracyOf(predicted, e.queryLabels);
  }
  return { accuracies, summary: meanCI(accuracies) };
}
