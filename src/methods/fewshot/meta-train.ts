// Meta-training: outer steps on batches of episodes sampled (seeded) from the meta-train pool,
// the learner's own metaStep doing the update. Every `evalEvery` steps the loss and accuracy of
// the window are logged and, when meta-validation episodes exist, the learner is scored on them
// and the best step's weights kept (restored at the end), as the papers select by validation.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { type FeatureCache, gatherRows } from './cache.js';
import {
  type ClassPool,
  checkSpec,
  type Episode,
  type EpisodeSpec,
  sampleEpisode,
} from './episodes.js';
import { evaluateEpisodes } from './evaluate.js';
import type { EpisodeTensors, FewShotLearner } from './learner.js';

export interface MetaTrainRecord {
  step: number;
  /** Mean query loss / accuracy over the steps since the previous record. */
  loss: number;
  accuracy: number;
  valAccuracy?: number;
  valCi95?: number;
  seconds: number;
}

export interface MetaTrainOptions {
  steps: number;
  /** Episodes per outer step. */
  metaBatch: number;
  spec: EpisodeSpec;
  evalEvery: number;
  seed: number;
  val?: { cache: FeatureCache; episodes: Episode[] };
  onRecord?: (r: MetaTrainRecord) => void;
}

export interface MetaTrainResult {
  history: MetaTrainRecord[];
  /** Step whose weights were kept (the last when there is no validation). */
  bestStep: number;
}

function toTensors(cache: FeatureCache, e: Episode): EpisodeTensors {
  return {
    support: gatherRows(cache, e.support),
    supportLabels: e.supportLabels,
    query: gatherRows(cache, e.query),
    queryLabels: e.queryLabels,
    ways: e.ways,
  };
}

export async function metaTrain(
  learner: FewShotLearner,
  cache: FeatureCache,
  pool: ClassPool,
  options: MetaTrainOptions,
): Promise<MetaTrainResult> {
  const history: MetaTrainRecord[] = [];
  if (!learner.metaStep) return { history, bestStep: 0 };
  checkSpec(pool, options.spec);
  const rng = new Rng(options.seed).fork('meta-train');
  const started = performance.now();
  let best: { step: number; accuracy: number; weights: tf.Tensor[] } | undefined;
  let window = { loss: 0, accuracy: 0, steps: 0 };
  for (let step = 1; step <= options.steps; step++) {
    const episodes = Array.from({ length: options.metaBatch }, (_, b) =>
      toTensors(cache, sampleEpisode(pool, options.spec, rng.fork(step, b))),
    );
    const r = await learner.metaStep(episodes);
    for (const e of episodes) tf.dispose([e.support, e.query]);
    if (!Number.isFinite(r.loss))
      throw new Error(`meta-training diverged: loss ${r.loss} at step ${step}`);
    window = {
      loss: window.loss + r.loss,
      accuracy: window.accuracy + r.accuracy,
      steps: window.steps + 1,
    };
    if (step % options.evalEvery !== 0 && step !== options.steps) continue;
    const record: MetaTrainRecord = {
      step,
      loss: window.loss / window.steps,
      accuracy: window.accuracy / window.steps,
      seconds: (performance.now() - started) / 1000,
    };
    window = { loss: 0, accuracy: 0, steps: 0 };
    if (options.val) {
      const { summary } = await evaluateEpisodes(learner, options.val.cache, options.val.episodes);
      record.valAccuracy = summary.mean;
      record.valCi95 = summary.ci95;
      if (!best || summary.mean > best.accuracy) {
        if (best) tf.dispose(best.weights);
        best = {
          step,
          accuracy: summary.mean,
          weights: learner.metaVariables().map((v) => tf.clone(v)),
        };
      }
    }
    history.push(record);
    options.onRecord?.(record);
  }
  if (!best) return { history, bestStep: options.steps };
  learner.metaVariables().forEach((v, i) => {
    v.assign(best.weights[i]!);
  });
  tf.dispose(best.weights);
  return { history, bestStep: best.step };
}
