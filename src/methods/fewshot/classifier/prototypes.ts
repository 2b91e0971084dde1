// The closed-form head: class prototypes (mean support features, accumulated in float64) turned
// into the kernel and bias of a Dense layer, per metric, plus the euclidean feature statistics.
// Both fit and add go through `headColumns`, which is what keeps added classes comparable.
export type FewShotMetric = 'cosine' | 'euclidean';
export const FEWSHOT_METRICS: readonly FewShotMetric[] = ['cosine', 'euclidean'];

/**
 * Cosine logits are scale · cos(ẑ, μ̂) ∈ [−scale, scale]. With scale 1 a perfect match could not
 * get past e²/(e² + C − 1) probability (0.45 with 10 classes); with 10, cosine gaps of 0.1–0.3
 * between near classes become 1–3 logits: confident when the match is clear, not one-hot.
 */
export const COSINE_SCALE = 10;

/**
 * Euclidean logits are scale · (2 z·μ − ‖μ‖²) = −scale · ‖z − μ‖² + (a per-image constant).
 * Squared distances between standardized D-d features grow with D, so scale = 10 / D puts the
 * logit gaps in the cosine head's range whatever the embedding width. Argmax is unaffected.
 */
export function euclideanScale(dim: number): number {
  return 10 / dim;
}

/** Features whose spread on the fit support is below this fraction of the typical spread are
 * divided by the floor instead: a feature that is (almost) constant on the first classes would
 * otherwise be blown up by ~1/0 and swamp the distances of classes added later. */
export const STD_FLOOR = 0.1;

/** Per-feature mean and floored std of row-major [n, dim] features (float64 accumulation). */
export function standardizeStatistics(
  features: Float32Array,
  dim: number,
): { mean: number[]; std: number[] } {
  const n = features.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const variance = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) variance[j] += (features[i * dim + j]! - mean[j]!) ** 2;
  }
  let total = 0;
  for (let j = 0; j < dim; j++) {
    variance[j] /= n;
    total += variance[j]!;
  }
  // A floor relative to the root-mean-square spread; 1e-6 when nothing varies at all (one image).
  const floor = Math.max(STD_FLOOR * Math.sqrt(total / dim), 1e-6);
  return {
    mean: Array.from(mean),
    std: Array.from(variance, (v) => Math.max(Math.sqrt(v), floor)),
  };
}

/** Mean feature of each class: [classes * dim] row-major, float64. Every class must have a row. */
export function classMeans(
  features: Float32Array,
  labels: Int32Array,
  classes: number,
): Float64Array {
  const dim = features.length / labels.length;
  const sums = new Float64Array(classes * dim);
  const counts = new Float64Array(classes);
  labels.forEach((c, i) => {
    counts[c]++;
    for (let j = 0; j < dim; j++) sums[c * dim + j] += features[i * dim + j]!;
  });
  for (let c = 0; c < classes; c++) {
    if (counts[c] === 0) throw new Error(`classMeans: class ${c} has no features`);
    for (let j = 0; j < dim; j++) sums[c * dim + j] /= counts[c]!;
  }
  return sums;
}

/**
 * Kernel [dim, classes] and bias [classes] for prototypes [classes, dim]. Euclidean: 2·s·μ and
 * −s·‖μ‖². Cosine: s·μ/‖μ‖ and 0 (features arrive unit-length from the L2 layer).
 */
export function headColumns(
  prototypes: Float64Array,
  dim: number,
  metric: FewShotMetric,
  scale: number,
): { kernel: Float32Array; bias: Float32Array; classes: number } {
  const classes = prototypes.length / dim;
  const kernel = new Float32Array(dim * classes);
  const bias = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    let sq = 0;
    for (let j = 0; j < dim; j++) sq += prototypes[c * dim + j]! ** 2;
    if (metric === 'euclidean') {
      for (let j = 0; j < dim; j++) kernel[j * classes + c] = 2 * scale * prototypes[c * dim + j]!;
      bias[c] = -scale * sq;
    } else {
      // A zero prototype (only possible if every support feature was zero) stays zero: never wins.
      const inv = sq > 0 ? scale / Math.sqrt(sq) : 0;
      for (let j = 0; j < dim; j++) kernel[j * classes + c] = inv * prototypes[c * dim + j]!;
    }
  }
  return { kernel, bias, classes };
}

/** Appends columns to a [dim, old] kernel, copying the old values bit for bit. */
export function appendColumns(
  kernel: Float32Array,
  bias: Float32Array,
  added: { kernel: Float32Array; bias: Float32Array; classes: number },
): { kernel: Float32Array; bias: Float32Array; classes: number } {
  const old = bias.length;
  const dim = kernel.length / old;
  const classes = old + added.classes;
  const out = new Float32Array(dim * classes);
  for (let j = 0; j < dim; j++) {
    out.set(kernel.subarray(j * old, (j + 1) * old), j * classes);
    out.set(added.kernel.subarray(j * added.classes, (j + 1) * added.classes), j * classes + old);
  }
  const b = new Float32Array(classes);
  b.set(bias);
  b.set(added.bias, old);
  return { kernel: out, bias: b, classes };
}
