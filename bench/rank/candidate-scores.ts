// Every score of one candidate (a layer or an 'a+b' pair at one input size) on a benchmark set:
// LogME, H-score and the cross-validated probe on the training images, and what they are judged
// by — the test accuracy of a logistic probe fitted on the training split, evaluated on the test
// split — each with its time.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { layersOfSpec } from '../../src/backbones/layer-spec.js';
import { crossValidatedProbe, hScore, logme } from '../../src/methods/rank/index.js';
// The test-accuracy probe's L2 is crossValidatedProbe's default, so the two agree.
import {
  DEFAULT_PROBE_L2,
  fitLogistic,
  logisticPredictions,
} from '../../src/methods/rank/probe.js';
import type { LayerFeatures } from '../../src/methods/rank/score-layers.js';
import { standardizeColumns } from '../../src/methods/rank/score-layers.js';

export interface CandidateScores {
  logme: number;
  hScore: number;
  cvProbe: number;
  testAccuracy: number;
  /**
   * The same probe's accuracy on the even- and the odd-numbered test images: the summary orders
   * the candidates by each half to see how well the test set can order them at all.
   */
  testHalves: [number, number];
  /** Seconds per score (the embedding pass is shared by all candidates and reported apart). */
  seconds: { logme: number; hScore: number; cvProbe: number; testProbe: number };
}

/** The spec's features (a pair's layers side by side), rows [from, to) of each layer. */
export function specFeatures(
  layers: readonly LayerFeatures[],
  spec: string,
  from: number,
  to: number,
): { features: Float32Array; dim: number } {
  const parts = layersOfSpec(spec).map((name) => {
    const found = layers.find((l) => l.layer === name);
    if (!found) throw new Error(`no features for layer ${name}`);
    return found;
  });
  const dim = parts.reduce((s, p) => s + p.dim, 0);
  const out = new Float32Array((to - from) * dim);
  for (let i = from; i < to; i++) {
    let offset = 0;
    for (const p of parts) {
      out.set(p.features.subarray(i * p.dim, (i + 1) * p.dim), (i - from) * dim + offset);
      offset += p.dim;
    }
  }
  return { features: out, dim };
}

/** Columns of `x` standardized by the mean and deviation of `train`'s columns. */
function standardizeBy(train: Float32Array, x: Float32Array, dim: number): Float64Array {
  const n = train.length / dim;
  const out = new Float64Array(x.length);
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += train[i * dim + j]! / n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (train[i * dim + j]! - mean) ** 2 / n;
    const scale = variance > 0 ? 1 / Math.sqrt(variance) : 0;
    for (let i = 0; i < x.length / dim; i++) out[i * dim + j] = (x[i * dim + j]! - mean) * scale;
  }
  return out;
}

/**
 * Coordinates of the centered rows on their principal axes ([n, rank]). H-score is invariant
 * under this change of basis (its pseudo-inverse ignores directions without variance), and with
 * rank < n the dim³ pseudo-inverse becomes a rank³ one: 1280-d features cost ~1 s, not minutes.
 */
export function principalCoordinates(
  x: Float64Array,
  dim: number,
): { x: Float64Array; dim: number } {
  const n = x.length / dim;
  if (dim < n) return { x, dim };
  const m = new Matrix(n, dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) m.set(i, j, x[i * dim + j]!);
  m.subRowVector(m.mean('column'));
  const eig = new EigenvalueDecomposition(m.mmul(m.transpose()), { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const floor = Math.max(...values) * 1e-10;
  const kept = values.flatMap((v, i) => (v > floor ? [[v, i] as const] : []));
  const out = new Float64Array(n * kept.length);
  kept.forEach(([v, c], r) => {
    for (let i = 0; i < n; i++)
      out[i * kept.length + r] = eig.eigenvectorMatrix.get(i, c) * Math.sqrt(v);
  });
  return { x: out, dim: kept.length };
}

function timed<T>(run: () => T): [T, number] {
  const started = performance.now();
  const value = run();
  return [value, (performance.now() - started) / 1000];
}

/**
 * Whether each test row (rows trainRows.. of `labels`) is classified right by the float64
 * logistic probe (l2 DEFAULT_PROBE_L2) fitted on the train-standardized features of `spec`.
 */
export function testProbe(
  layers: readonly LayerFeatures[],
  spec: string,
  labels: Int32Array,
  trainRows: number,
  numClasses: number,
): boolean[] {
  const train = specFeatures(layers, spec, 0, trainRows);
  const test = specFeatures(layers, spec, trainRows, labels.length);
  const dim = train.dim;
  const standardized = standardizeColumns(train.features, dim);
  const trainLabels = Array.from(labels.subarray(0, trainRows));
  const w = fitLogistic(standardized, dim, trainLabels, numClasses, DEFAULT_PROBE_L2);
  const predicted = logisticPredictions(
    w,
    standardizeBy(train.features, test.features, dim),
    dim,
    numClasses,
  );
  return Array.from(labels.subarray(trainRows), (y, i) => predicted[i] === y);
}

export function scoreCandidate(
  layers: readonly LayerFeatures[],
  spec: string,
  labels: Int32Array,
  trainRows: number,
  numClasses: number,
): CandidateScores {
  const train = specFeatures(layers, spec, 0, trainRows);
  const dim = train.dim;
  const trainLabels = labels.subarray(0, trainRows);
  // LogME as scoreLayers computes it: each layer standardized, then side by side (for a pair,
  // the same as standardizing the concatenation).
  const standardized = standardizeColumns(train.features, dim);
  const input = { features: standardized, dim, labels: trainLabels, numClasses };
  const [logmeScore, logmeSeconds] = timed(() => logme(input));
  const [h, hSeconds] = timed(() => {
    const reduced = principalCoordinates(standardized, dim);
    return hScore({ features: reduced.x, dim: reduced.dim, labels: trainLabels, numClasses });
  });
  const [cv, cvSeconds] = timed(() =>
    crossValidatedProbe({ features: train.features, dim, labels: trainLabels, numClasses }),
  );
  const [correct, testSeconds] = timed(() =>
    testProbe(layers, spec, labels, trainRows, numClasses),
  );
  const accuracyOf = (keep: (i: number) => boolean) => {
    const kept = correct.filter((_, i) => keep(i));
    return kept.filter(Boolean).length / kept.length;
  };
  return {
    logme: logmeScore,
    hScore: h,
    cvProbe: cv,
    testAccuracy: accuracyOf(() => true),
    testHalves: [accuracyOf((i) => i % 2 === 0), accuracyOf((i) => i % 2 === 1)],
    seconds: { logme: logmeSeconds, hScore: hSeconds, cvProbe: cvSeconds, testProbe: testSeconds },
  };
}
