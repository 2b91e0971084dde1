// What a few-shot run writes: results.json (every method's accuracies, the learning curves, the
// config), report.html, and for `fewshot train` the meta-trained network as an embedding bundle
// (image → embedding), which `fewshot fit --backbone BUNDLE` turns into a classifier.
import path from 'node:path';
import { saveBundle } from '../../bundle/bundle.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import type { FewShotReport } from '../../report/fewshot-types.js';
import { layerChoiceMeta } from '../rank/auto-layer.js';
import { FEWSHOT_CROP_PCT } from './cache.js';
import type { FewShotConfig } from './config.js';
import type { FewShotNetwork } from './network.js';
import type { FewShotRunResult, MethodResult, ShotResult } from './run.js';

const shotAccuracy = (r: ShotResult) => ({
  shots: r.shots,
  mean: r.mean,
  ci95: r.ci95,
  episodes: r.n,
});

export function fewShotReport(result: FewShotRunResult): FewShotReport {
  const { config, pools } = result;
  const roles = (['train', 'val', 'test'] as const).flatMap((role) => {
    const pool = pools[role];
    return pool
      ? [{ role, source: pool.source.name, classes: pool.names, images: pool.samples.length }]
      : [];
  });
  return {
    title: `Few-shot: ${config.methods.join(', ')} on ${config.backbone}`,
    createdAt: new Date().toISOString(),
    pools: roles,
    backbone: {
      name: config.backbone,
      pretrained: config.pretrained,
      inputSize: result.network.inputSize,
      trainableBlocks: result.network.trainableBlocks,
      layer: result.network.layer,
    },
    evaluation: {
      ways: config.ways,
      shots: config.shots,
      queries: config.queries,
      episodes: config.episodes,
      seed: config.seed,
    },
    methods: result.methods.map((m) => ({
      method: m.method,
      settings: m.settings,
      results: m.results.map(shotAccuracy),
      untrained: m.untrained?.map(shotAccuracy),
      history: m.history,
      bestStep: m.bestStep,
      metaSeconds: m.metaSeconds,
      evalSeconds: m.evalSeconds,
    })),
    config: config as unknown as Record<string, unknown>,
    ...(result.network.layerNote ? { notes: [result.network.layerNote] } : {}),
  };
}

/** results.json: the same numbers as the report, for scripts and the benchmark. */
export async function writeResults(dir: string, result: FewShotRunResult): Promise<string> {
  const file = path.join(dir, 'results.json');
  const report = fewShotReport(result);
  await writeFileAtomic(
    file,
    `${JSON.stringify({ ...report, seconds: result.seconds }, null, 2)}\n`,
  );
  return file;
}

/** Saves the meta-trained image → embedding network as an ordinary embedding bundle. */
export async function saveMetaTrainedBundle(
  dir: string,
  network: FewShotNetwork,
  config: FewShotConfig,
  method: MethodResult,
  info: FewShotRunResult['network'],
): Promise<void> {
  const { config: bc } = network;
  const metrics: Record<string, number> = {};
  for (const r of method.results) metrics[`accuracy_${config.ways}way_${r.shots}shot`] = r.mean;
  await saveBundle(dir, network.full, {
    task: 'embedding',
    labels: [],
    preprocessing: {
      inputSize: bc.inputSize,
      mean: bc.mean,
      std: bc.std,
      interpolation: bc.interpolation,
      cropPct: FEWSHOT_CROP_PCT,
    },
    backbone: {
      name: config.backbone,
      embeddingDim: network.embeddingDim,
      layer: info.layer,
      layerChoice: info.layerChoice && layerChoiceMeta(info.layerChoice),
    },
    training: {
      ...config,
      embeddingLayer: info.layer,
      ...(info.layerNote ? { layerNote: info.layerNote } : {}),
      method: method.method,
      settings: method.settings,
      bestStep: method.bestStep,
    },
    metrics,
  });
}
