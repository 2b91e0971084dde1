// Classification metrics for `visiontune eval`, accumulated batch by batch on plain typed arrays
// (no tensors, no I/O) so the same code runs in Node and the browser and a whole evaluation set
// never has to sit in memory. The accumulator keeps only sufficient statistics: a confusion
// matrix, top-k hit counts, per-bin calibration sums and a running NLL; every reported number is
// derived from those in `result()`, so streaming in any batch split gives identical results.
//
// Conventions (stated once here, repeated in the docs of the fields they affect):
// - Ties: the predicted class is the *lowest* index among equal maxima, and top-k takes classes by
//   (probability desc, index asc). This is exactly what tf.argMax and tf.topk do on the cpu and
//   wasm backends in TF.js 4.22 (both compare with a strict `>` / index tiebreak), so `eval`
//   agrees with `predict`. Note sklearn's top_k_accuracy_score breaks ties differently.
// - Zero division: as sklearn's zero_division=0. An undefined precision (class never predicted),
//   recall (class absent from the labels) or F1 (tp = fp = fn = 0) is reported as 0 and flagged.
// - Averages: balanced accuracy = mean recall over classes present in the labels (sklearn's
//   balanced_accuracy_score). Macro P/R/F1 average over classes present in the labels *or* the
//   predictions (sklearn's default label set), so a class the evaluation set never touches does
//   not drag the macro scores down. Weighted F1 weights by support.
// - ECE (Guo et al. 2017): confidence = max probability, M equal-width bins ((m-1)/M, m/M] closed
//   on the right (the first bin also takes 0), ECE = sum_b |B_b|/n * |acc(B_b) - conf(B_b)|.
// - NLL: mean of -ln(clamp(p_true, 1e-7, 1)); 1e-7 is the epsilon TF.js/Keras losses use, so one
//   confidently wrong sample costs at most ~16.1 instead of Infinity.

import { badInput, badUsage } from '../errors.js';

/** Probabilities are clamped to this before the log in NLL (TF.js / Keras backend epsilon). */
export const NLL_EPSILON = 1e-7;

/**
 * Values a little above 1 (float32 softmax rounding) are accepted; anything beyond this is
 * almost certainly logits passed by mistake and is rejected.
 */
const PROBABILITY_SLACK = 1e-4;

export interface ClassificationAccumulatorOptions {
  /** Which top-k accuracies to report (positive integers). Default [1, 5]. */
  topK?: readonly number[];
  /** Number of equal-width confidence bins for ECE and the reliability diagram. Default 15. */
  eceBins?: number;
}

export interface ClassMetrics {
  /** Class index in [0, numClasses). */
  label: number;
  /** Number of samples whose true label is this class (row sum of the confusion matrix). */
  support: number;
  /** Number of samples predicted as this class (column sum of the confusion matrix). */
  predicted: number;
  /** tp / predicted; 0 when the class was never predicted (then `precisionUndefined`). */
  precision: number;
  /** tp / support; 0 when the class is absent from the labels (then `recallUndefined`). */
  recall: number;
  /** 2tp / (2tp + fp + fn), the harmonic mean of P and R; 0 when tp = fp = fn = 0 (then `f1Undefined`). */
  f1: number;
  precisionUndefined: boolean;
  recallUndefined: boolean;
  f1Undefined: boolean;
}

export interface ReliabilityBin {
  /** Bin covers confidences in (lower, upper] (the first bin also includes 0). */
  lower: number;
  upper: number;
  count: number;
  /** Mean max-probability of the samples in the bin; null for an empty bin. */
  meanConfidence: number | null;
  /** Fraction of the bin's samples whose prediction is correct; null for an empty bin. */
  accuracy: number | null;
}

export interface ClassificationMetrics {
  numClasses: number;
  /** Number of evaluated samples; equals the sum of the confusion matrix. */
  count: number;
  /** Top-1 accuracy (argmax, lowest index wins ties). */
  accuracy: number;
  /**
   * Top-k accuracy keyed by the requested k. k is capped at numClasses, so any k >= numClasses
   * is trivially 1. Ties are broken by lowest index, like tf.topk.
   */
  topK: Record<number, number>;
  /** Mean per-class recall over classes present in the labels (sklearn balanced_accuracy_score). */
  balancedAccuracy: number;
  /** Macro averages over classes present in the labels or the predictions (sklearn default). */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  /** Per-class F1 weighted by support. */
  weightedF1: number;
  /** One entry per class index, in order, including classes that never occur. */
  perClass: ClassMetrics[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** Expected calibration error on max probability, equal-width bins (Guo et al. 2017). */
  ece: number;
  /** Maximum calibration error: the largest |acc - conf| over non-empty bins. */
  mce: number;
  /** Number of bins ECE was computed with. */
  eceBins: number;
  /** Per-bin counts, mean confidence and accuracy, for a reliability diagram. */
  reliability: ReliabilityBin[];
  /** Mean negative log-likelihood of the true class, probabilities clamped to [1e-7, 1]. */
  nll: number;
}

/** Flat row-major [n, C] probabilities, or one array-like per row. */
export type ProbabilityInput = ArrayLike<number> | readonly ArrayLike<number>[];

function checkPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw badUsage(`${what} must be a positive integer (got ${value})`);
  }
}

/**
 * Streams (probabilities, labels) batches into the sufficient statistics of every metric.
 * `add` validates a whole batch before touching any state, so a rejected batch leaves the
 * accumulator as it was.
 */
export class ClassificationAccumulator {
  readonly numClasses: number;
  /** Requested k values, deduplicated and sorted ascending. */
  readonly topKs: readonly number[];
  readonly eceBins: number;

  private n = 0;
  private nllSum = 0;
  private readonly confusion: Float64Array;
  private readonly topKHits: Float64Array;
  private readonly binCount: Float64Array;
  private readonly binConfidenceSum: Float64Array;
  private readonly binCorrect: Float64Array;

  constructor(numClasses: number, options: ClassificationAccumulatorOptions = {}) {
    checkPositiveInt(numClasses, 'numClasses');
    const topK = options.topK ?? [1, 5];
    for (const k of topK) checkPositiveInt(k, 'topK');
    const eceBins = options.eceBins ?? 15;
    checkPositiveInt(eceBins, 'eceBins');

    this.numClasses = numClasses;
    this.topKs = [...new Set(topK)].sort((a, b) => a - b);
    this.eceBins = eceBins;
    this.confusion = new Float64Array(numClasses * numClasses);
    this.topKHits = new Float64Array(this.topKs.length);
    this.binCount = new Float64Array(eceBins);
    this.binConfidenceSum = new Float64Array(eceBins);
    this.binCorrect = new Float64Array(eceBins);
  }

  /** Number of samples added so far. */
  get count(): number {
    return this.n;
  }

  /**
   * Adds one batch. `probabilities` is [n, numClasses] row-major (e.g. softmax output read with
   * `dataSync()`), or an array of rows; `labels` holds n integer class indices.
   */
  add(probabilities: ProbabilityInput, labels: ArrayLike<number>): void {
    const C = this.numClasses;
    const flat = this.flatten(probabilities, labels.length);
    this.validate(flat, labels);

    const M = this.eceBins;
    for (let i = 0; i < labels.length; i++) {
      const off = i * C;
      const y = labels[i];
      const pY = flat[off + y];
      // One pass: argmax (strict >, so the lowest index wins ties) and the true label's rank
      // under (probability desc, index asc) ordering, which decides every top-k at once.
      let pred = 0;
      let best = flat[off];
      let rank = 0;
      for (let j = 0; j < C; j++) {
        const p = flat[off + j];
        if (p > best) {
          best = p;
          pred = j;
        }
        if (p > pY || (p === pY && j < y)) rank++;
      }
      this.confusion[y * C + pred]++;
      for (let t = 0; t < this.topKs.length; t++) {
        if (rank < Math.min(this.topKs[t], C)) this.topKHits[t]++;
      }
      const confidence = Math.min(best, 1);
      const b = binOf(confidence, M);
      this.binCount[b]++;
      this.binConfidenceSum[b] += confidence;
      if (pred === y) this.binCorrect[b]++;
      this.nllSum -= Math.log(Math.min(Math.max(pY, NLL_EPSILON), 1));
    }
    this.n += labels.length;
  }

  /** Adds another accumulator's statistics (e.g. from a parallel worker) into this one. */
  merge(other: ClassificationAccumulator): void {
    if (
      other.numClasses !== this.numClasses ||
      other.eceBins !== this.eceBins ||
      other.topKs.length !== this.topKs.length ||
      other.topKs.some((k, i) => k !== this.topKs[i])
    ) {
      throw badUsage(
        'cannot merge classification accumulators with different numClasses, topK or eceBins',
      );
    }
    this.n += other.n;
    this.nllSum += other.nllSum;
    addInto(this.confusion, other.confusion);
    addInto(this.topKHits, other.topKHits);
    addInto(this.binCount, other.binCount);
    addInto(this.binConfidenceSum, other.binConfidenceSum);
    addInto(this.binCorrect, other.binCorrect);
  }

  reset(): void {
    this.n = 0;
    this.nllSum = 0;
    for (const a of [
      this.confusion,
      this.topKHits,
      this.binCount,
      this.binConfidenceSum,
      this.binCorrect,
    ]) {
      a.fill(0);
    }
  }

  result(): ClassificationMetrics {
    const C = this.numClasses;
    const n = this.n;
    if (n === 0) throw badInput('no samples were evaluated: cannot compute classification metrics');

    const confusion: number[][] = [];
    for (let r = 0; r < C; r++)
      confusion.push(Array.from(this.confusion.subarray(r * C, r * C + C)));

    let correct = 0;
    const perClass: ClassMetrics[] = [];
    for (let c = 0; c < C; c++) {
      const tp = confusion[c][c];
      let support = 0;
      let predicted = 0;
      for (let j = 0; j < C; j++) {
        support += confusion[c][j];
        predicted += confusion[j][c];
      }
      correct += tp;
      const fp = predicted - tp;
      const fn = support - tp;
      const f1Denominator = 2 * tp + fp + fn;
      perClass.push({
        label: c,
        support,
        predicted,
        precision: predicted > 0 ? tp / predicted : 0,
        recall: support > 0 ? tp / support : 0,
        f1: f1Denominator > 0 ? (2 * tp) / f1Denominator : 0,
        precisionUndefined: predicted === 0,
        recallUndefined: support === 0,
        f1Undefined: f1Denominator === 0,
      });
    }

    const inLabels = perClass.filter((m) => m.support > 0);
    const inEither = perClass.filter((m) => m.support > 0 || m.predicted > 0);
    const mean = (xs: ClassMetrics[], f: (m: ClassMetrics) => number) =>
      xs.reduce((s, m) => s + f(m), 0) / xs.length;

    const topK: Record<number, number> = {};
    this.topKs.forEach((k, t) => {
      topK[k] = this.topKHits[t] / n;
    });

    const M = this.eceBins;
    const reliability: ReliabilityBin[] = [];
    let ece = 0;
    let mce = 0;
    for (let b = 0; b < M; b++) {
      const count = this.binCount[b];
      const lower = b / M;
      const upper = (b + 1) / M;
      if (count === 0) {
        reliability.push({ lower, upper, count, meanConfidence: null, accuracy: null });
        continue;
      }
      const meanConfidence = this.binConfidenceSum[b] / count;
      const accuracy = this.binCorrect[b] / count;
      const gap = Math.abs(accuracy - meanConfidence);
      ece += (count / n) * gap;
      mce = Math.max(mce, gap);
      reliability.push({ lower, upper, count, meanConfidence, accuracy });
    }

    return {
      numClasses: C,
      count: n,
      accuracy: correct / n,
      topK,
      balancedAccuracy: mean(inLabels, (m) => m.recall),
      macroPrecision: mean(inEither, (m) => m.precision),
      macroRecall: mean(inEither, (m) => m.recall),
      macroF1: mean(inEither, (m) => m.f1),
      weightedF1: perClass.reduce((s, m) => s + m.support * m.f1, 0) / n,
      perClass,
      confusion,
      ece,
      mce,
      eceBins: M,
      reliability,
      nll: this.nllSum / n,
    };
  }

  /** Row-major flat view of the batch; checks every row has numClasses values. */
  private flatten(probabilities: ProbabilityInput, rows: number): ArrayLike<number> {
    const C = this.numClasses;
    if (probabilities.length > 0 && typeof probabilities[0] !== 'number') {
      const list = probabilities as readonly ArrayLike<number>[];
      if (list.length !== rows) {
        throw badInput(`got ${list.length} probability rows for ${rows} labels`);
      }
      const flat = new Float64Array(rows * C);
      for (let i = 0; i < rows; i++) {
        const row = list[i];
        if (row?.length !== C) {
          throw badInput(
            `probability row ${i} has ${row?.length} values; expected numClasses = ${C}`,
          );
        }
        for (let j = 0; j < C; j++) flat[i * C + j] = row[j];
      }
      return flat;
    }
    const flat = probabilities as ArrayLike<number>;
    if (flat.length !== rows * C) {
      const hint =
        flat.length % C === 0
          ? `that is ${flat.length / C} rows of ${C}, but there are ${rows} labels`
          : `not a whole number of rows of numClasses = ${C}`;
      throw badInput(
        `probabilities have ${flat.length} values for ${rows} labels; expected ${rows} x ${C} = ${rows * C} (${hint})`,
      );
    }
    return flat;
  }

  private validate(flat: ArrayLike<number>, labels: ArrayLike<number>): void {
    const C = this.numClasses;
    for (let i = 0; i < labels.length; i++) {
      const where = `row ${i} of the batch (sample ${this.n + i})`;
      const y = labels[i];
      if (!Number.isInteger(y) || y < 0 || y >= C) {
        throw badInput(`label ${y} at ${where} is not a class index in [0, ${C})`);
      }
      for (let j = 0; j < C; j++) {
        const p = flat[i * C + j];
        if (Number.isNaN(p)) {
          throw badInput(`probability for class ${j} at ${where} is NaN`);
        }
        if (!(p >= 0 && p <= 1 + PROBABILITY_SLACK)) {
          throw badInput(
            `probability ${p} for class ${j} at ${where} is outside [0, 1]; pass softmax probabilities, not logits`,
          );
        }
      }
    }
  }
}

/**
 * Index of the bin ((b)/M, (b+1)/M] holding `confidence` (bin 0 also holds 0). The multiply
 * gives the answer up to rounding; the two nudges make it agree exactly with comparisons
 * against the bin edges b/M, so a value sitting on an edge goes to the lower bin.
 */
export function binOf(confidence: number, M: number): number {
  let b = Math.ceil(confidence * M) - 1;
  if (b > 0 && confidence <= b / M) b--;
  if (b < M - 1 && confidence > (b + 1) / M) b++;
  return Math.min(Math.max(b, 0), M - 1);
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

/** One-shot convenience: metrics for a single batch. */
export function classificationMetrics(
  probabilities: ProbabilityInput,
  labels: ArrayLike<number>,
  numClasses: number,
  options: ClassificationAccumulatorOptions = {},
): ClassificationMetrics {
  const acc = new ClassificationAccumulator(numClasses, options);
  acc.add(probabilities, labels);
  return acc.result();
}
