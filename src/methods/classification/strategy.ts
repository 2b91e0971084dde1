// What the training strategies share: the hooks a caller passes in, what a strategy hands back
// (a classifier, its history, a way to score held-out images), and turning scores into metrics.
import type * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../../backbones/index.js';
import type { Sample } from '../../data/types.js';
import { ClassificationAccumulator, type ClassificationMetrics } from '../../metrics/index.js';
import type { LrStep } from '../../report/types.js';
import type { Callback } from '../../train/callbacks.js';
import type { FitResult } from '../../train/loop.js';

export interface TrainHooks {
  callbacks?: Callback[];
  /** Progress lines for people (the CLI prints them unless --json/--quiet). */
  log?: (line: string) => void;
}

export interface Trained {
  classifier: tf.LayersModel;
  backboneConfig: PretrainedConfig;
  fitResult: FitResult;
  /** Learning rate at every optimizer step, when the run saw all of them. */
  lrSteps?: LrStep[];
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
