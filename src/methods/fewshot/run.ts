// `runFewShot(config)`: one few-shot comparison end to end. Opens the data, splits classes into
// disjoint meta-train / meta-val / meta-test pools, chooses the pooled layer (`auto`: on the
// meta-train images only, layer-choice.ts), caches every pool image's features at the
// network's cut once (the frozen part is the same for every method), fixes the test episodes by
// seed, then for each method: a fresh network, its untrained score (meta-learners), meta-training
// with validation (checkpointed under out/meta-train/<method>/, so `resume` continues it), and
// the score on the very same test episodes.
import path from 'node:path';
import { openSource } from '../../data/index.js';
import type { DataSource } from '../../data/types.js';
import { ensureEngine } from '../../engine/index.js';
import { badInput } from '../../errors.js';
import { withOutDir } from '../../guard/out-dir.js';
import { describeResolved, type ResolvedLayer } from '../rank/auto-layer.js';
import type { LayerChoice } from '../rank/choose-layer.js';
import { RUN_KIND } from '../run-template.js';
import { cacheFeatures, type FeatureCache } from './cache.js';
import { type FewShotConfig, type FewShotConfigInput, resolveFewShotConfig } from './config.js';
import { checkSpec, type Episode, type EpisodeSpec, fixedEpisodes } from './episodes.js';
import { evaluateEpisodeSets } from './evaluate.js';
import { chooseFewShotLayer } from './layer-choice.js';
import type { FewShotLearner, FewShotMethodName } from './learner.js';
import { type MetaTrainRecord, metaTrain } from './meta-train.js';
import { createLearner, fewShotMethods } from './methods/index.js';
import { createFewShotNetwork, type FewShotNetwork } from './network.js';
import {
  buildPool,
  checkDisjoint,
  defaultClassSplit,
  type PoolRole,
  parseClassList,
  type SamplePool,
} from './pools.js';
import type { MeanCI } from './stats.js';

export interface ShotResult extends MeanCI {
  shots: number;
}

export interface MethodResult {
  method: FewShotMethodName;
  settings: Record<string, unknown>;
  results: ShotResult[];
  /** Meta-learners: the same network before meta-training, on the same episodes. */
  untrained?: ShotResult[];
  history: MetaTrainRecord[];
  bestStep?: number;
  metaSeconds: number;
  evalSeconds: number;
}

export interface FewShotPools {
  /** Absent when no method meta-trains and the class lists leave no meta-train class. */
  train?: SamplePool;
  val?: SamplePool;
  test: SamplePool;
}

export interface FewShotRunHooks {
  /** A line of progress for people (stderr). */
  status?: (message: string) => void;
  /** Receives each method's network and results after its run, before it is disposed (to save it). */
  onTrained?: (
    network: FewShotNetwork,
    result: MethodResult,
    info: FewShotRunResult['network'],
  ) => Promise<void>;
}

export interface FewShotRunResult {
  config: FewShotConfig;
  pools: FewShotPools;
  network: {
    backbone: string;
    inputSize: number;
    trainableBlocks: string[];
    cut: string | null;
    /** The pooled layer; how `auto` chose it (or why it fell back) is in `layerNote`. */
    layer: string;
    layerChoice?: LayerChoice;
    layerNote?: string;
  };
  methods: MethodResult[];
  seconds: number;
}

/** Whether any method of the run meta-trains (only then are meta-train classes needed). */
export function needsMetaTraining(config: FewShotConfig): boolean {
  return config.metaSteps > 0 && config.methods.some((m) => fewShotMethods.get(m).metaLearned);
}

export async function openPools(config: FewShotConfig): Promise<FewShotPools> {
  const opts = { skipBad: config.skipBad };
  const source = await openSource(config.data, opts);
  const testSource: DataSource = config.testData ? await openSource(config.testData, opts) : source;
  const all = (s: DataSource) => s.classes.map((_, i) => i);
  const pick = (spec: string | undefined, s: DataSource, flag: string) =>
    spec === undefined ? undefined : parseClassList(spec, s, flag);
  let split: Partial<Record<PoolRole, number[]>>;
  if (config.testData) {
    split = {
      train: pick(config.trainClasses, source, '--train-classes') ?? all(source),
      val: pick(config.valClasses, source, '--val-classes'),
      test: pick(config.testClasses, testSource, '--test-classes') ?? all(testSource),
    };
    checkDisjoint({ train: split.train, val: split.val }, source);
  } else if (config.trainClasses === undefined && config.testClasses === undefined) {
    split = defaultClassSplit(source.classes.length, config.seed);
    if (config.valClasses !== undefined)
      split.val = pick(config.valClasses, source, '--val-classes');
    checkDisjoint(split, source);
  } else {
    const train = pick(config.trainClasses, source, '--train-classes');
    const test = pick(config.testClasses, source, '--test-classes');
    const val = pick(config.valClasses, source, '--val-classes');
    const used = new Set([...(train ?? []), ...(test ?? []), ...(val ?? [])]);
    const rest = all(source).filter((c) => !used.has(c));
    split = { train: train ?? rest, test: test ?? rest, val };
    checkDisjoint(split, source);
  }
  const poolOpts = (role: PoolRole) => ({
    maxPerClass: config.maxPerClass,
    seed: config.seed,
    role,
  });
  if (!split.train?.length && needsMetaTraining(config)) {
    const meta = config.methods.filter((m) => fewShotMethods.get(m).metaLearned);
    throw badInput(
      `no meta-train classes left in ${source.name} (trainClasses, valClasses, testClasses): ${meta.join(', ')} meta-train${meta.length === 1 ? 's' : ''} on them; the training-free methods (centroid, finetune-head) need none`,
    );
  }
  if (!split.test?.length) throw badInput(`no meta-test classes left in ${testSource.name}`);
  return {
    train: split.train?.length ? buildPool(source, split.train, poolOpts('train')) : undefined,
    val: split.val?.length ? buildPool(source, split.val, poolOpts('val')) : undefined,
    test: buildPool(testSource, split.test, poolOpts('test')),
  };
}

function networkOptions(config: FewShotConfig, layer: ResolvedLayer) {
  return {
    backbone: config.backbone,
    pretrained: config.pretrained,
    inputSize: config.imageSize,
    embeddingLayer: layer.layer,
    capUnfreeze: layer.choice !== undefined,
    unfreeze: config.unfreeze,
    freezeBatchNorm: config.freezeBn ?? config.pretrained,
    seed: config.seed,
  };
}

async function scoreShots(
  learner: FewShotLearner,
  cache: FeatureCache,
  episodes: Map<number, Episode[]>,
): Promise<ShotResult[]> {
  const scored = await evaluateEpisodeSets(learner, cache, [...episodes.values()]);
  return [...episodes.keys()].map((shots, i) => ({ shots, ...scored[i]!.summary }));
}

/** The configuration is validated first (defaults filled; a bad field is an error naming it). */
export async function runFewShot(
  input: FewShotConfigInput,
  hooks: FewShotRunHooks = {},
): Promise<FewShotRunResult> {
  const config = resolveFewShotConfig(input as Record<string, unknown>);
  // Its folder holds meta-training checkpoints like any run's: claimed the same way.
  return withOutDir(config.out, { kind: RUN_KIND, overwrite: config.overwrite }, () =>
    runClaimed(config, hooks),
  );
}

async function runClaimed(
  config: FewShotConfig,
  hooks: FewShotRunHooks,
): Promise<FewShotRunResult> {
  await ensureEngine();
  const started = performance.now();
  const say = hooks.status ?? (() => {});
  const pools = await openPools(config);
  const trainSpec: EpisodeSpec = {
    ways: config.trainWays ?? config.ways,
    shots: config.trainShots,
    queries: config.queries,
  };
  const needsMeta = needsMetaTraining(config);
  const testEpisodes = new Map(
    config.shots.map((k) => [
      k,
      fixedEpisodes(
        pools.test,
        { ways: config.ways, shots: k, queries: config.queries },
        config.episodes,
        config.seed,
      ),
    ]),
  );
  if (needsMeta) checkSpec(pools.train!, trainSpec);
  const valShots = Math.max(...config.shots);
  const valEpisodes =
    needsMeta && pools.val && config.valEpisodes > 0
      ? fixedEpisodes(
          pools.val,
          {
            ways: Math.min(config.ways, pools.val.names.length),
            shots: valShots,
            queries: config.queries,
          },
          config.valEpisodes,
          config.seed + 1,
        )
      : undefined;

  const layer = await chooseFewShotLayer(config, pools.train);
  // The frozen prefix is identical for every method (same weights, same seed): cache once.
  const first = await createFewShotNetwork(networkOptions(config, layer));
  const layerNote = describeResolved(layer, first.config.embeddingLayer);
  if (layerNote) say(layerNote);
  const info = {
    backbone: config.backbone,
    inputSize: first.config.inputSize,
    trainableBlocks: first.trainableBlocks,
    cut: first.cut,
    layer: first.config.embeddingLayer,
    ...(layer.choice ? { layerChoice: layer.choice } : {}),
    ...(layerNote ? { layerNote } : {}),
  };
  const caches: Partial<Record<PoolRole, FeatureCache>> = {};
  for (const role of ['test', 'val', 'train'] as const) {
    const pool = pools[role];
    if (!pool || (role !== 'test' && !needsMeta)) continue;
    say(`caching features of ${pool.samples.length} images (${pool.description})`);
    caches[role] = await cacheFeatures(first, pool.source, pool.samples);
  }
  first.full.dispose();

  const methods: MethodResult[] = [];
  for (const method of config.methods) {
    const network = await createFewShotNetwork(networkOptions(config, layer));
    const learner = createLearner(method, network, config);
    try {
      const metaLearned = fewShotMethods.get(method).metaLearned && config.metaSteps > 0;
      let t = performance.now();
      let untrained: ShotResult[] | undefined;
      if (metaLearned) {
        say(`${method}: scoring the untrained starting point`);
        untrained = await scoreShots(learner, caches.test!, testEpisodes);
      }
      let history: MetaTrainRecord[] = [];
      let bestStep: number | undefined;
      const evalBefore = (performance.now() - t) / 1000;
      t = performance.now();
      if (metaLearned) {
        say(`${method}: meta-training ${config.metaSteps} steps`);
        ({ history, bestStep } = await metaTrain(learner, caches.train!, pools.train!, {
          steps: config.metaSteps,
          metaBatch: config.metaBatch,
          spec: trainSpec,
          evalEvery: config.evalEvery,
          seed: config.seed,
          val: valEpisodes && caches.val ? { cache: caches.val, episodes: valEpisodes } : undefined,
          outDir: path.join(config.out, 'meta-train', method),
          resume: config.resume,
          onRecord: (r) =>
            say(
              `${method} step ${r.step}: loss ${r.loss.toFixed(3)} acc ${(r.accuracy * 100).toFixed(1)}%${r.valAccuracy === undefined ? '' : ` val ${(r.valAccuracy * 100).toFixed(1)}%`}`,
            ),
        }));
      }
      const metaSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      say(`${method}: scoring ${config.episodes} test episodes per setting`);
      const results = await scoreShots(learner, caches.test!, testEpisodes);
      const done: MethodResult = {
        method,
        settings: learner.describe(),
        results,
        untrained,
        history,
        bestStep,
        metaSeconds,
        evalSeconds: evalBefore + (performance.now() - t) / 1000,
      };
      methods.push(done);
      await hooks.onTrained?.(network, done, info);
    } finally {
      learner.dispose();
      network.full.dispose();
    }
  }
  return { config, pools, network: info, methods, seconds: (performance.now() - started) / 1000 };
}
