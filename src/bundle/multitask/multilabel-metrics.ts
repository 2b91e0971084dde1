// Multi-label classification metrics from per-class probabilities and 0/1 truth: mAP (mean over
// classes with a positive of the average precision, sklearn's average_precision_score: Σ (R_n −
// R_{n−1}) P_n over the distinct score thresholds), micro and macro F1 at a threshold, and
// subset accuracy (every class right). One function, so the multi-task work's shared metric
// (src/metrics) can replace it in one place.

export interface MultiLabelMetrics {
  /** Mean average precision over the classes that have at least one positive. */
  mAP: number;
  microF1: number;
  macroF1: number;
  /** Images whose predicted set equals the true set exactly. */
  subsetAccuracy: number;
  images: number;
  threshold: number;
  perClass: { ap: number | null; f1: number; positives: number }[];
}

/** Average precision of one class (`scores` and 0/1 `truth` of the same images); null without
 * positives. Tied scores form one threshold, as in sklearn. */
export function averagePrecision(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
): number | null {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]!,
  );
  const positives = order.reduce((n, i) => n + (truth[i]! > 0 ? 1 : 0), 0);
  if (positives === 0) return null;
  let ap = 0;
  let tp = 0;
  let seen = 0;
  let lastRecall = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    seen++;
    if (truth[i]! > 0) tp++;
    // Only at the end of a run of equal scores is a threshold reached.
    if (k + 1 < order.length && scores[order[k + 1]!] === scores[i]) continue;
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
  }
  return ap;
}

const f1 = (tp: number, fp: number, fn: number) => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

/** `probs` and `truth`: [images, classes] row-major. */
export function multiLabelMetrics(
  probs: Float32Array,
  truth: Uint8Array,
  classes: number,
  threshold: number,
): MultiLabelMetrics {
  const images = classes > 0 ? probs.length / classes : 0;
  const perClass: MultiLabelMetrics['perClass'] = [];
  let tpAll = 0;
  let fpAll = 0;
  let fnAll = 0;
  for (let c = 0; c < classes; c++) {
    const scores = new Float32Array(images);
    const t = new Uint8Array(images);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < images; i++) {
      scores[i] = probs[i * classes + c]!;
      t[i] = truth[i * classes + c]!;
      const predicted = scores[i]! >= threshold;
      if (predicted && t[i]) tp++;
      else if (predicted) fp++;
      else if (t[i]) fn++;
    }
    tpAll += tp;
    fpAll += fp;
    fnAll += fn;
    perClass.push({ ap: averagePrecision(scores, t), f1: f1(tp, fp, fn), positives: tp + fn });
  }
  let exact = 0;
  for (let i = 0; i < images; i++) {
    let same = true;
    for (let c = 0; c < classes && same; c++)
      same = probs[i * classes + c]! >= threshold === truth[i * classes + c]! > 0;
    if (same) exact++;
  }
  const aps = perClass.flatMap((c) => (c.ap === null ? [] : [c.ap]));
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
  return {
    mAP: mean(aps),
    microF1: f1(tpAll, fpAll, fnAll),
    macroF1: mean(perClass.map((c) => c.f1)),
    subsetAccuracy: images ? exact / images : 0,
    images,
    threshold,
    perClass,
  };
}

/** The metrics as text: the summary line, then AP and F1 per class. */
export function formatMultiLabelMetrics(m: MultiLabelMetrics, labels: readonly string[]): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const width = Math.max(5, ...labels.map((l) => l.length));
  return [
    `${m.images} images   mAP ${pct(m.mAP)}   micro-F1 ${pct(m.microF1)}   macro-F1 ${pct(m.macroF1)}   subset accuracy ${pct(m.subsetAccuracy)}   (threshold ${m.threshold})`,
    `${'class'.padEnd(width)}  AP      F1      positives`,
    ...m.perClass.map(
      (c, i) =>
        `${(labels[i] ?? String(i)).padEnd(width)}  ${(c.ap === null ? '-' : pct(c.ap)).padEnd(6)}  ${pct(c.f1).padEnd(6)}  ${c.positives}`,
    ),
  ].join('\n');
}
