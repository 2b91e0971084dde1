// `train(config)`: one classification transfer run end to end — data splits, the chosen
// strategy (linear probe on cached embeddings, fine-tuning, or the same net from scratch),
// evaluation on held-out images, and the outputs: bundle (+ model card), metrics.jsonl,
// checkpoints and report.html in config.out.
import path from 'node:path';
import { saveBundle } from '../../bundle/bundle.js';
import { openSource } from '../../data/sources/open.js';
import { badInput } from '../../errors.js';
import type { ClassificationMetrics } from '../../metrics/index.js';
import { modelCardFromReport } from '../../report/model-card.js';
import type { RunReport } from '../../report/types.js';
import { writeModelCard, writeReport } from '../../report/write.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import type { TrainConfig } from './config.js';
import { trainLinear } from './linear-strategy.js';
import { trainNetwork } from './network-strategy.js';
import {
  backboneSummary,
  classifierBundleMeta,
  evaluationSections,
  reportHistory,
} from './run-outputs.js';
import { chooseSplits } from './splits.js';
import { metricsOf, type TrainHooks } from './strategy.js';
import { worstExamples } from './worst.js';

export type { TrainHooks };

export interface TrainResult {
  config: TrainConfig;
  /** Class names, in label-index order. */
  labels: string[];
  bundleDir: string;
  reportFile: string;
  /** Where the final metrics were measured: the test split, else validation. */
  evaluatedOn: 'test' | 'val';
  metrics: ClassificationMetrics;
  history: EpochRecord[];
  splits: { train: number; val: number; test: number };
  seconds: number;
}

export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const started = performance.now();
  const source = await openSource(config.data, { skipBad: config.skipBad });
  const splits = chooseSplits(source, config);
  hooks.log?.(
    `data: ${source.name}, ${source.classes.length} classes; ${splits.train.length} train / ${splits.val.length} val / ${splits.test.length} test`,
  );
  const trained =
    config.strategy === 'linear'
      ? await trainLinear(config, source, splits, hooks)
      : await trainNetwork(config, source, splits, hooks);

  const evaluatedOn = splits.test.length > 0 ? 'test' : 'val';
  const evalSamples = evaluatedOn === 'test' ? splits.test : splits.val;
  if (evalSamples.length === 0) {
    throw badInput(
      `${source.name}: no held-out images to evaluate on (add a test split or use --val > 0)`,
    );
  }
  const probabilities = await trained.evaluate(evalSamples);
  const metrics = metricsOf(probabilities, evalSamples, source.classes.length);

  const bc = trained.backboneConfig;
  const bundleDir = path.join(config.out, 'bundle');
  const history = trained.fitResult.history;
  await saveBundle(
    bundleDir,
    trained.classifier,
    classifierBundleMeta(bc, config.backbone, source.classes, { ...config }, metrics),
  );

  const sections = evaluationSections(metrics, source.classes);
  const report: RunReport = {
    title: `${config.strategy} · ${config.backbone} · ${source.name}`,
    createdAt: new Date().toISOString(),
    config: { ...config },
    data: {
      name: source.name,
      classes: source.classes,
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
    backbone: backboneSummary(config.backbone, bc),
    method: { name: config.strategy },
    history: reportHistory(history),
    lrSteps: trained.lrSteps,
    ...sections,
    evaluatedOn,
    worst: await worstExamples(source, evalSamples, probabilities, source.classes),
  };
  const reportFile = await writeReport(config.out, report);
  await writeModelCard(bundleDir, modelCardFromReport(report, { bundleDir }));
  return {
    config,
    labels: source.classes,
    bundleDir,
    reportFile,
    evaluatedOn,
    metrics,
    history,
    splits: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
    seconds: (performance.now() - started) / 1000,
  };
}
