// The report of an adaptation run: the classification sections for the evaluated images (the
// labelled target test set when given, else the source validation images) and the adaptation
// section — per-epoch source/target accuracy, discriminator accuracy, transfer loss, the proxy
// A-distance before and after, and the PCA scatter of both domains' features.
import type { PretrainedConfig } from '../../backbones/index.js';
import type { AdaptationSummary, RunReport } from '../../report/types.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import {
  backboneSummary,
  type ClassifierEvaluation,
  classifierReport,
} from '../classification/run-outputs.js';
import type { AdaptConfig } from './config.js';
import { domainScatter } from './diagnostics/index.js';
import type { Domains } from './domains.js';

const SELECTION_TEXT: Record<AdaptConfig['selection'], string> = {
  'source-val':
    'The checkpoint with the best source validation accuracy was kept; target labels were not used for selection.',
  'target-entropy':
    'The checkpoint with the lowest mean prediction entropy on held-out unlabelled target images was kept; target labels were not used for selection.',
};

export interface Evaluation extends ClassifierEvaluation {
  /** 'target test' or 'source val'. */
  split: string;
}

export interface DomainFeatures {
  source: Float32Array[];
  target: Float32Array[];
}

export interface AdaptRunFacts {
  config: AdaptConfig;
  domains: Domains;
  backboneConfig: PretrainedConfig;
  methodSummary: string;
  history: EpochRecord[];
  evaluation: Evaluation;
  proxyADistance?: { before: number; after: number };
  features: { before: DomainFeatures; after: DomainFeatures };
}

export async function adaptRunReport(facts: AdaptRunFacts): Promise<RunReport> {
  const { config, domains, evaluation: e } = facts;
  const { source, target } = domains;
  const seed = { seed: config.seed };
  const adaptation: AdaptationSummary = {
    method: config.method,
    selection: SELECTION_TEXT[config.selection],
    targetLabelsGiven: domains.targetTest !== undefined,
    epochs: facts.history.map((r) => ({
      epoch: r.epoch,
      sourceAccuracy: r.val_accuracy as number | undefined,
      targetAccuracy: r.target_accuracy as number | undefined,
      discriminatorAccuracy: r.disc_accuracy as number | undefined,
      transferLoss: r.transfer_loss as number | undefined,
    })),
    proxyADistance: facts.proxyADistance,
    scatter: {
      before: domainScatter(facts.features.before.source, facts.features.before.target, seed),
      after: domainScatter(facts.features.after.source, facts.features.after.target, seed),
    },
  };
  const report = await classifierReport({
    title: `adapt ${config.method} · ${config.backbone} · ${source.name} → ${target.name}`,
    config: { ...config },
    data: {
      name: `${source.name} → ${target.name}`,
      classes: source.classes,
      train: domains.sourceTrain.length,
      val: domains.sourceVal.length,
      test: e.samples.length,
    },
    backbone: backboneSummary(config.backbone, facts.backboneConfig),
    method: { name: config.method, summary: facts.methodSummary },
    history: facts.history,
    evaluation: e,
    evaluatedOn: e.split,
  });
  return { ...report, adaptation };
}
