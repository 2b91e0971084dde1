// Multi-label classification metrics (each image has any subset of C classes; the model gives a
// sigmoid probability per class), accumulated batch by batch on plain arrays like
// classification.ts. Definitions follow sklearn on indicator matrices:
// - AP per class = average_precision_score: Σ_n (R_n − R_{n−1}) P_n over the distinct scores from
//   high to low (tied scores form one threshold), no interpolation. mAP = the mean of AP over the
//   classes with at least one positive image: a class no image carries has no defined AP (sklearn
//   would count it as 0), so it is left out and its AP reported as null.
// - Predictions: probability ≥ threshold (default 0.5).
// - micro F1 = 2·Σtp / (2·Σtp + Σfp + Σfn) over all (image, class) pairs; macro F1 = mean over
//   every class of its F1, an undefined F1 (tp = fp = fn = 0) counting 0 (zero_division=0).
// - subset accuracy = the share of images whose predicted set equals the true set exactly.
// AP needs every score, so the accumulator keeps them (n·C floats; an evaluation set's worth).
import { badUsage } from '../errors.js';

export interface MultiLabelClassMetrics {
  /** Images carrying the class. */
  support: number;
  /** null when the class has no positive image. */
  averagePrecision: number | null;
  precision: number;
  recall: number;
  f1: number;
}

export interface MultiLabelMetrics {
  images: number;
  threshold: number;
  /** Mean AP over the classes with ≥ 1 positive image; null when there is none. */
  mAP: number | null;
  microPrecision: number;
  microRecall: number;
  microF1: number;
  macroF1: number;
  subsetAccuracy: number;
  perClass: MultiLabelClassMetrics[];
}

export interface MultiLabelOptions {
  /** A class is predicted when its probability is ≥ this. Default 0.5. */
  threshold?: number;
}

/** sklearn's average_precision_score for one class; null when no label is positive. */
export function averagePrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): number | null {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b] - scores[a],
  );
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) positives++;
  if (positives === 0) return null;
  let tp = 0;
  let seen = 0;
  let lastRecall = 0;
  let ap = 0;
  for (let k = 0; k < order.length; k++) {
    seen++;
    if (labels[order[k]] > 0) tp++;
    // A threshold ends where the next score differs (ties go in together).
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
  }
  return ap;
}

const ratio = (num: number, den: number) => (den > 0 ? num / den : 0);

/** Streams (probabilities, 0/1 targets) batches, each [n, C] row-major. */
export class MultiLabelAccumulator {
  readonly numClasses: number;
  readonly threshold: number;
  private readonly scores: number[][];
  private readonly labels: number[][];
  private exact = 0;
  private n = 0;

  constructor(numClasses: number, options: MultiLabelOptions = {}) {
    if (!(Number.isInteger(numClasses) && numClasses > 0))
      throw badUsage(`numClasses must be a positive integer (got ${numClasses})`);
    const threshold = options.threshold ?? 0.5;
    if (!(threshold > 0 && threshold < 1))
      throw badUsage(`threshold must be in (0, 1) (got ${threshold})`);
    this.numClasses = numClasses;
    this.threshold = threshold;
    this.scores = Array.from({ length: numClasses }, () => []);
    this.labels = Array.from({ length: numClasses }, () => []);
  }

  get count(): number {
    return this.n;
  }

  /**
   * Adds a batch: `probabilities` and `targets` [n, C] row-major; images whose `present` entry is
   * 0 (no multi-label annotation) are skipped. The batch is checked whole before any state moves.
   */
  add(
    probabilities: ArrayLike<number>,
    targets: ArrayLike<number>,
    present?: ArrayLike<number>,
  ): void {
    const C = this.numClasses;
    if (probabilities.length % C !== 0 || targets.length !== probabilities.length)
      throw badUsage(
        `multi-label metrics: ${probabilities.length} probabilities and ${targets.length} targets are not both [n, ${C}]`,
      );
    const n = probabilities.length / C;
    if (present && present.length !== n)
      throw badUsage(`multi-label metrics: ${present.length} presence flags for ${n} images`);
    for (let i = 0; i < probabilities.length; i++) {
      const p = probabilities[i];
      if (!(p >= 0 && p <= 1 + 1e-6))
        throw badUsage(
          `multi-label metrics: probability ${p} at [${Math.floor(i / C)}, ${i % C}] is not in [0, 1] (pass sigmoid outputs, not logits)`,
        );
      if (targets[i] !== 0 && targets[i] !== 1)
        throw badUsage(
          `multi-label metrics: target ${targets[i]} at [${Math.floor(i / C)}, ${i % C}] is not 0 or 1`,
        );
    }
    for (let b = 0; b < n; b++) {
      if (present && !present[b]) continue;
      let same = true;
      for (let c = 0; c < C; c++) {
        const p = probabilities[b * C + c];
        const y = targets[b * C + c];
        this.scores[c].push(p);
        this.labels[c].push(y);
        if (p >= this.threshold !== (y === 1)) same = false;
      }
      if (same) this.exact++;
      this.n++;
    }
  }

  result(): MultiLabelMetrics {
    let tpAll = 0;
    let fpAll = 0;
    let fnAll = 0;
    const perClass = this.scores.map((scores, c) => {
      const labels = this.labels[c];
      let tp = 0;
      let fp = 0;
      let fn = 0;
      scores.forEach((p, i) => {
        const predicted = p >= this.threshold;
        if (predicted && labels[i] === 1) tp++;
        else if (predicted) fp++;
        else if (labels[i] === 1) fn++;
      });
      tpAll += tp;
      fpAll += fp;
      fnAll += fn;
      return {
        support: tp + fn,
        averagePrecision: averagePrecision(scores, labels),
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn),
        f1: ratio(2 * tp, 2 * tp + fp + fn),
      };
    });
    const aps = perClass.flatMap((c) => (c.averagePrecision === null ? [] : [c.averagePrecision]));
    return {
      images: this.n,
      threshold: this.threshold,
      mAP: aps.length > 0 ? aps.reduce((s, v) => s + v, 0) / aps.length : null,
      microPrecision: ratio(tpAll, tpAll + fpAll),
      microRecall: ratio(tpAll, tpAll + fnAll),
      microF1: ratio(2 * tpAll, 2 * tpAll + fpAll + fnAll),
      macroF1: perClass.reduce((s, c) => s + c.f1, 0) / this.numClasses,
      subsetAccuracy: ratio(this.exact, this.n),
      perClass,
    };
  }
}

/** All metrics of one set in one call. */
export function multiLabelMetrics(
  probabilities: ArrayLike<number>,
  targets: ArrayLike<number>,
  numClasses: number,
  options: MultiLabelOptions & { present?: ArrayLike<number> } = {},
): MultiLabelMetrics {
  const acc = new MultiLabelAccumulator(numClasses, options);
  acc.add(probabilities, targets, options.present);
  return acc.result();
}
