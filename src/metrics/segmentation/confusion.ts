// Semantic segmentation metrics from one confusion matrix (rows = ground truth, cols =
// prediction) accumulated over label maps on plain typed arrays, so an evaluation set never has to
// sit in memory and any batch split gives identical results.
//
// Conventions (mmsegmentation's `total_area_to_metrics`, stated once here):
// - Pixels whose ground truth is `ignoreIndex` (default 255, as mmseg and PyTorch's VOC/ADE20K
//   setups) are dropped before counting, whatever was predicted there.
// - A per-class ratio whose denominator is 0 is NaN, and the means are nan-means over the classes
//   where it is defined: a class absent from both ground truth and prediction has IoU/Dice NaN and
//   does not count in mIoU/mDice; a class absent from the ground truth has accuracy NaN. A class
//   only predicted (never in the ground truth) gets IoU 0 and does count, as in mmseg.
//   (torchmetrics' JaccardIndex instead reports such a class with its `zero_division` value.)
// - Frequency-weighted IoU (Long et al. 2015, FCN): Σ_c (t_c / Σt) · IoU_c, t_c = pixels of c.

import { badInput, badUsage } from '../../errors.js';

export interface SegmentationAccumulatorOptions {
  /** Ground-truth value that marks pixels to leave out (unlabelled / boundary). Default 255. */
  ignoreIndex?: number;
}

export interface SegmentationMetrics {
  numClasses: number;
  /** Pixels counted (ground truth not ignored); equals the sum of `confusion`. */
  count: number;
  /** Correct pixels / counted pixels. */
  pixelAccuracy: number;
  /** Nan-mean of `perClassAccuracy` (mmseg's mAcc). */
  meanClassAccuracy: number;
  /** Nan-mean of `perClassIoU` (mmseg's mIoU). */
  meanIoU: number;
  /** TP / (TP + FP + FN) per class; NaN for a class absent from ground truth and prediction. */
  perClassIoU: number[];
  /** TP / ground-truth pixels per class (recall); NaN for a class absent from the ground truth. */
  perClassAccuracy: number[];
  /** 2TP / (2TP + FP + FN): per class (NaN as for IoU) and their nan-mean. */
  dice: { perClass: number[]; mean: number };
  /** Σ_c (pixels of c / all pixels) · IoU_c over classes present in the ground truth. */
  frequencyWeightedIoU: number;
  /** [numClasses][numClasses] pixel counts, rows = ground truth, cols = prediction. */
  confusion: number[][];
}

/** Integer class-index maps: a label image flattened, or a batch of them. */
export type LabelMap = ArrayLike<number>;

/**
 * Streams (ground truth, prediction) label-map pairs into a confusion matrix. `add` validates the
 * whole pair before touching any state, so a rejected pair leaves the accumulator as it was.
 */
export class SegmentationAccumulator {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  // Float64 counts: exact up to 2^53 pixels, where Uint32 would wrap after ~4 G pixels.
  private readonly counts: Float64Array;

  constructor(numClasses: number, options: SegmentationAccumulatorOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw badUsage(`numClasses must be a positive integer (got ${numClasses})`);
    }
    const ignoreIndex = options.ignoreIndex ?? 255;
    if (!Number.isInteger(ignoreIndex)) {
      throw badUsage(`ignoreIndex must be an integer (got ${ignoreIndex})`);
    }
    if (ignoreIndex >= 0 && ignoreIndex < numClasses) {
      throw badUsage(`ignoreIndex ${ignoreIndex} is also a class index in [0, ${numClasses})`);
    }
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Adds one pair of label maps of equal length (class indices, ground truth first). */
  add(groundTruth: LabelMap, prediction: LabelMap): void {
    const C = this.numClasses;
    if (groundTruth.length !== prediction.length) {
      throw badInput(
        `ground truth has ${groundTruth.length} pixels but prediction has ${prediction.length}`,
      );
    }
    for (let i = 0; i < groundTruth.length; i++) {
      const g = groundTruth[i];
      if (g === this.ignoreIndex) continue;
      if (!Number.isInteger(g) || g < 0 || g >= C) {
        throw badInput(
          `ground-truth value ${g} at pixel ${i} is neither a class index in [0, ${C}) nor the ignore index ${this.ignoreIndex}`,
        );
      }
      const p = prediction[i];
      if (!Number.isInteger(p) || p < 0 || p >= C) {
        throw badInput(`predicted value ${p} at pixel ${i} is not a class index in [0, ${C})`);
      }
    }
    for (let i = 0; i < groundTruth.length; i++) {
      const g = groundTruth[i];
      if (g !== this.ignoreIndex) this.counts[g * C + prediction[i]]++;
    }
  }

  /** Adds another accumulator's counts (e.g. from a parallel worker) into this one. */
  merge(other: SegmentationAccumulator): void {
    if (other.numClasses !== this.numClasses || other.ignoreIndex !== this.ignoreIndex) {
      throw badUsage(
        'cannot merge segmentation accumulators with different numClasses or ignoreIndex',
      );
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
  }

  reset(): void {
    this.counts.fill(0);
  }

  metrics(): SegmentationMetrics {
    const C = this.numClasses;
    const gtTotal = new Float64Array(C);
    const predTotal = new Float64Array(C);
    const tp = new Float64Array(C);
    let count = 0;
    for (let g = 0; g < C; g++) {
      for (let p = 0; p < C; p++) {
        const n = this.counts[g * C + p];
        gtTotal[g] += n;
        predTotal[p] += n;
        count += n;
      }
      tp[g] = this.counts[g * C + g];
    }
    if (count === 0) {
      throw badInput('no labelled pixels were evaluated: cannot compute segmentation metrics');
    }

    const perClassIoU: number[] = [];
    const perClassAccuracy: number[] = [];
    const perClassDice: number[] = [];
    let correct = 0;
    let fwIoU = 0;
    for (let c = 0; c < C; c++) {
      // TP + FP + FN = gt + pred − TP; NaN from 0/0 is the "undefined" marker.
      const union = gtTotal[c] + predTotal[c] - tp[c];
      const iou = union > 0 ? tp[c] / union : Number.NaN;
      perClassIoU.push(iou);
      perClassAccuracy.push(gtTotal[c] > 0 ? tp[c] / gtTotal[c] : Number.NaN);
      const diceDenominator = gtTotal[c] + predTotal[c];
      perClassDice.push(diceDenominator > 0 ? (2 * tp[c]) / diceDenominator : Number.NaN);
      correct += tp[c];
      if (gtTotal[c] > 0) fwIoU += (gtTotal[c] / count) * iou;
    }

    const confusion: number[][] = [];
    for (let r = 0; r < C; r++) confusion.push(Array.from(this.counts.subarray(r * C, r * C + C)));

    return {
      numClasses: C,
      count,
      pixelAccuracy: correct / count,
      meanClassAccuracy: nanMean(perClassAccuracy),
      meanIoU: nanMean(perClassIoU),
      perClassIoU,
      perClassAccuracy,
      dice: { perClass: perClassDice, mean: nanMean(perClassDice) },
      frequencyWeightedIoU: fwIoU,
      confusion,
    };
  }
}

/** Mean of the non-NaN entries (NaN when there are none), like numpy's nanmean. */
function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}
