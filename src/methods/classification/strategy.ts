// What the training strategies share: the hooks a caller passes in, what a strategy hands the
// run template (a classifier, how it trains, a way to score held-out images), and turning scores
// into metrics.
import type * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../../backbones/index.js';
import type { Sample } from '../../data/types.js';
import { ClassificationAccumulator, type ClassificationMetrics } from '../../metrics/index.js';
import type { TrainBatch } from '../../train/loop.js';
import type { PeftMeta } from '../peft/bundle-meta.js';
import type { LayerChoice } from '../rank/choose-layer.js';
import type { FitPlan, RunHooks } from '../run-template.js';

export type TrainHooks = RunHooks;

/** A strategy's classifier, ready to train. */
export interface Prepared {
  classifier: tf.LayersModel;
  backboneConfig: PretrainedConfig;
  /** How `--layer auto` chose the embedding layer (absent when a layer was named). */
  layerChoice?: LayerChoice;
  plan: FitPlan<TrainBatch>;
  /** The PEFT record for the bundle's training metadata (finetune with peft). */
  peft?: PeftMeta;
  /** Lines for the report that the strategy fills in while training (lp-ft: which weights it kept). */
  notes?: string[];
  /** Whether the report draws the lr of every step (else per epoch). */
  lrPerStep: boolean;
  /** Probabilities of the evaluation samples, [n, classes] in sample order. */
  evaluate(samples: readonly Sample[]): Promise<Float32Array>;
}

export function metricsOf(
  probs: Float32Array,
  samples: readonly Sample[],
  classes: number,
): ClassificationMetrics {
  const acc = new ClassificationAccumulator(classes, { topK: [1, Math.min(5, classes)] });
  acc.add(
    probs,
    Int32Array.from(samples, (s) => s.label),
  );
  return acc.result();
}
