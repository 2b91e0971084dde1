// Meta-training: outer steps on batches of episodes sampled (seeded) from the meta-train pool,
// the learner's own metaStep doing the update. Every `evalEvery` steps the loss and accuracy of
// the window are logged and, when meta-validation episodes exist, the learner is scored on them
// and the best step's weights kept (restored at the end), as the papers select by validation.
// With an output folder it checkpoints after every window through the training loop's run files
// (each window counts as the loop's epoch), so `resume` continues exactly: weights, the learner's
// optimizer state and counters, the step (which seeds the episode stream) and the best so far.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { assignWeights, type TrainingState } from '../../train/checkpoint.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { RunFiles } from '../../train/run-files.js';
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
  /** Folder for checkpoints/ and metrics.jsonl, as the training loop's; none: nothing is written. */
  outDir?: string;
  /** Continue from the newest checkpoint in `outDir`, if there is one. */
  resume?: boolean;
}

export interface MetaTrainResult {
  history: MetaTrainRecord[];
  /** Step whose weights were kept (the last when there is no validation). */
  bestStep: number;
  /** Outer steps restored from a checkpoint (0 when starting afresh). */
  resumedFromStep: number;
}

/** The best validation score so far; `window` is the index of its record (its checkpoint). */
interface Best {
  step: number;
  accuracy: number;
  window: number;
}

/** Meta-training's progress: what a checkpoint holds besides weights and learner state. */
interface MetaRun {
  history: MetaTrainRecord[];
  step: number;
  best?: Best & { weights: tf.Tensor[] };
}

interface MetaExtra {
  history: MetaTrainRecord[];
  best?: Best;
  counters: Record<string, number>;
  [key: string]: unknown;
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
  if (!learner.metaStep) return { history: [], bestStep: 0, resumedFromStep: 0 };
  checkSpec(pool, options.spec);
  const files = options.outDir ? new RunFiles(options.outDir) : undefined;
  const run = await resumeRun(learner, files, options.resume);
  const resumedFromStep = run.step;
  const log = files && (await files.openLog(run.step ? run.history.length : undefined));
  const rng = new Rng(options.seed).fork('meta-train');
  // A resumed run's clock goes on from its last record.
  const started = performance.now() - (run.history.at(-1)?.seconds ?? 0) * 1000;
  let window = { loss: 0, accuracy: 0, steps: 0 };
  for (let step = run.step + 1; step <= options.steps; step++) {
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
    run.step = step;
    run.history.push(record);
    const improved = options.val ? await validate(learner, options.val, record, run) : false;
    await log?.append({ epoch: run.history.length, ...record } as EpochRecord);
    if (files) await checkpoint(learner, files, run, improved);
    options.onRecord?.(record);
  }
  return { ...keepBest(learner, run, options.steps), resumedFromStep };
}

/** Scores the learner on the validation episodes into `record`; true when it is the best yet. */
async function validate(
  learner: FewShotLearner,
  val: NonNullable<MetaTrainOptions['val']>,
  record: MetaTrainRecord,
  run: MetaRun,
): Promise<boolean> {
  const { summary } = await evaluateEpisodes(learner, val.cache, val.episodes);
  record.valAccuracy = summary.mean;
  record.valCi95 = summary.ci95;
  if (run.best && !(summary.mean > run.best.accuracy)) return false;
  if (run.best) tf.dispose(run.best.weights);
  const weights = learner.metaVariables().map((v) => tf.clone(v));
  run.best = { step: record.step, accuracy: summary.mean, window: run.history.length, weights };
  return true;
}

async function checkpoint(
  learner: FewShotLearner,
  files: RunFiles,
  run: MetaRun,
  improved: boolean,
): Promise<void> {
  const { slots, counters } = (await learner.getTrainingState?.()) ?? { slots: [], counters: {} };
  const best = run.best && {
    step: run.best.step,
    accuracy: run.best.accuracy,
    window: run.best.window,
  };
  const extra: MetaExtra = { history: run.history, best, counters };
  const state: TrainingState = {
    epoch: run.history.length,
    step: run.step,
    optimizer: {
      kind: learner.method,
      step: run.step,
      slots: Object.fromEntries(slots.map((s, i) => [String(i), s])),
    },
    extra,
  };
  await files.save(checkpointed(learner), state, improved);
}

/** What a checkpoint holds of the learner's variables: meta-learned ones, then statistics. */
const checkpointed = (learner: FewShotLearner) => [
  ...learner.metaVariables(),
  ...(learner.statisticVariables?.() ?? []),
];

/** A fresh run, or the one the newest checkpoint holds, restored into `learner`. */
async function resumeRun(
  learner: FewShotLearner,
  files: RunFiles | undefined,
  resume: boolean | undefined,
): Promise<MetaRun> {
  const saved = await files?.resumePoint(resume);
  if (!saved || !files) return { history: [], step: 0 };
  if (saved.state.optimizer.kind !== learner.method) {
    throw badInput(
      `${saved.path}: a checkpoint of ${saved.state.optimizer.kind} meta-training, not ${learner.method}; meta-train without resume or into another folder`,
    );
  }
  const extra = saved.state.extra as MetaExtra;
  const slotMap = saved.state.optimizer.slots;
  const slots = Object.keys(slotMap).map((_, i) => slotMap[String(i)]!);
  await learner.setTrainingState?.({ slots, counters: extra.counters });
  assignWeights(checkpointed(learner), saved.weights, saved.path);
  const run: MetaRun = { history: extra.history, step: saved.state.step };
  if (extra.best) {
    const best = await files.bestOf(extra.best.window);
    if (!best)
      throw badInput(
        `${files.best}: the checkpoint of the best validation step (${extra.best.step}) is missing; meta-train without resume`,
      );
    run.best = { ...extra.best, weights: best.weights.map((w) => tf.tensor(w.values, w.shape)) };
  }
  return run;
}

/** Restores the best validation step's weights, as the papers select by validation. */
function keepBest(learner: FewShotLearner, run: MetaRun, steps: number) {
  const { history, best } = run;
  if (!best) return { history, bestStep: steps };
  learner.metaVariables().forEach((v, i) => {
    v.assign(best.weights[i]!);
  });
  tf.dispose(best.weights);
  return { history, bestStep: best.step };
}
