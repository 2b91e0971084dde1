// A linear head fitted as the linear-probe literature fits one (Kornblith et al. 2019, "Do Better
// ImageNet Models Transfer Better?"; Radford et al. 2021, CLIP): multinomial logistic regression
// on the standardized embeddings, solved to optimality by L-BFGS in float64, its L2 strength the
// one of a small grid with the lowest validation loss. Deterministic, and no learning rate or
// epoch count to get wrong: on Fashion-MNIST with 20 labels per class the SGD-trained head
// (AdamW, lr 0.02, early stopping) ended 4–9 points below it on the same 576–672-d features.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FitResult } from '../../train/loop.js';
import { type EpochRecord, MetricsLog } from '../../train/metrics-log.js';
import type { EmbeddingSet } from '../embed.js';
import { DEFAULT_PROBE_L2, fitLogistic, logisticAccuracy, logisticLoss } from '../rank/probe.js';

/** L2 strengths tried, strongest first: each fit starts from the previous solution. */
export const PROBE_L2_GRID = [1, 1e-1, 1e-2, 1e-3] as const;

export interface Standardization {
  mean: readonly number[];
  std: readonly number[];
}

function standardized(set: EmbeddingSet, stats: Standardization): Float64Array {
  const { dim } = set;
  const out = new Float64Array(set.embeddings.length);
  for (let i = 0; i < set.labels.length; i++)
    for (let j = 0; j < dim; j++)
      out[i * dim + j] = (set.embeddings[i * dim + j]! - stats.mean[j]!) / stats.std[j]!;
  return out;
}

export interface SolvedProbe {
  /** Row-major [dim + 1, classes], last row the biases (fitLogistic's layout). */
  weights: Float64Array;
  l2: number;
  /** One row per L2 strength tried ({ epoch: i + 1, l2, loss, val_loss, val_accuracy }). */
  history: EpochRecord[];
  /** The row of the kept fit (1-based, as the loop's bestEpoch). */
  bestEpoch: number;
}

/**
 * Fits the probe on `train` (standardized by `stats`, the head's own Standardize statistics).
 * With `val`, every strength of PROBE_L2_GRID is fitted and the lowest validation loss kept;
 * without, DEFAULT_PROBE_L2 alone.
 */
export function solveProbe(
  train: EmbeddingSet,
  val: EmbeddingSet | undefined,
  stats: Standardization,
  classes: number,
): SolvedProbe {
  const { dim } = train;
  const x = standardized(train, stats);
  const labels = Array.from(train.labels);
  const xVal = val && val.labels.length > 0 ? standardized(val, stats) : undefined;
  const grid = xVal ? PROBE_L2_GRID : [DEFAULT_PROBE_L2];
  const fits: { weights: Float64Array; record: EpochRecord }[] = [];
  let start: Float64Array | undefined;
  for (const [i, l2] of grid.entries()) {
    const weights = fitLogistic(x, dim, labels, classes, l2, start);
    start = weights;
    const record: EpochRecord = {
      epoch: i + 1,
      l2,
      loss: logisticLoss(weights, x, dim, labels, classes),
      ...(xVal && val
        ? {
            val_loss: logisticLoss(weights, xVal, dim, val.labels, classes),
            val_accuracy: logisticAccuracy(weights, xVal, dim, val.labels, classes),
          }
        : {}),
    };
    fits.push({ weights, record });
  }
  const kept = lowestValLoss(fits.map((f) => f.record))!;
  const best = fits[kept.epoch - 1]!;
  return {
    weights: best.weights,
    l2: best.record.l2 as number,
    history: fits.map((f) => f.record),
    bestEpoch: best.record.epoch,
  };
}

/** The row with the lowest validation loss (the first of equals; the first without any). */
function lowestValLoss(history: readonly EpochRecord[]): EpochRecord | undefined {
  const loss = (r: EpochRecord) => (r.val_loss as number) ?? Infinity;
  return history.reduce<EpochRecord | undefined>(
    (a, b) => (a && loss(b) >= loss(a) ? a : b),
    undefined,
  );
}

/**
 * One line for logs and reports when `history` is a solve's (its rows carry `l2`): which strength
 * was kept, of which. Undefined for a trained head's history.
 */
export function describeSolve(history: readonly EpochRecord[]): string | undefined {
  const kept = lowestValLoss(history);
  if (kept?.l2 === undefined) return undefined;
  return (
    `linear head solved by L-BFGS (logistic regression, L2 ${kept.l2}` +
    (history.length > 1
      ? ` of ${history.map((r) => r.l2).join(', ')} by validation loss; the curves' epochs are these strengths)`
      : ')')
  );
}

/** Writes a solved probe into the head's Dense layer ([dim, classes] kernel and biases). */
export function setDenseWeights(dense: tf.layers.Layer, weights: Float64Array, classes: number) {
  const dim = weights.length / classes - 1;
  const values = Float32Array.from(weights);
  const kernel = tf.tensor2d(values.subarray(0, dim * classes), [dim, classes]);
  const bias = tf.tensor1d(values.subarray(dim * classes));
  dense.setWeights([kernel, bias]);
  kernel.dispose();
  bias.dispose();
}

/** The solve as a run's fit: metrics.jsonl holds one row per strength tried. */
export async function solveAsFit(
  solve: () => SolvedProbe,
  outDir: string | undefined,
): Promise<FitResult & { l2: number }> {
  const solved = solve();
  if (outDir) {
    const log = await MetricsLog.create(path.join(outDir, 'metrics.jsonl'));
    for (const record of solved.history) await log.append(record);
  }
  return {
    history: solved.history,
    stopReason: 'completed',
    bestEpoch: solved.bestEpoch,
    resumedFromEpoch: 0,
    l2: solved.l2,
  };
}
