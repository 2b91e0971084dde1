// Proxy A-distance between two feature sets (Ben-David et al. 2007; Ganin et al. 2016, §5.1.2):
// how well a linear classifier tells the domains apart. Train it on half the examples, measure
// its error ε on the other half, PAD = 2(1 − 2ε). 0: the domains are indistinguishable to a
// linear probe; 2: perfectly separable. Adaptation should lower it, though a low PAD alone does
// not mean the classes line up across domains.
import { badInput } from '../../../errors.js';
import { Rng } from '../../../util/rng.js';
import { fitLogistic } from './logistic.js';
import { type FeatureRows, pickRows, toMatrix } from './matrix.js';

export interface ProxyADistanceOptions {
  seed?: number;
  /** L2 weight of the domain classifier (on standardized features). Default 1e-2. */
  l2?: number;
  /** Examples drawn from each domain at most; the larger domain is subsampled to the smaller. */
  maxPerDomain?: number;
}

export interface ProxyADistance {
  /** 2(1 − 2ε), clamped to [0, 2]. */
  distance: number;
  /** Test error ε of the domain classifier, unclamped (can exceed 0.5 by chance). */
  error: number;
  /** Test examples ε was measured on, half from each domain. */
  n: number;
}

export function proxyADistance(
  source: FeatureRows,
  target: FeatureRows,
  options: ProxyADistanceOptions = {},
): ProxyADistance {
  const { seed = 0, l2 = 1e-2, maxPerDomain = Number.POSITIVE_INFINITY } = options;
  const m = Math.min(source.length, target.length, maxPerDomain);
  if (!(m >= 2)) {
    throw badInput(
      `proxy A-distance needs at least 2 examples per domain, got ${source.length} source and ${target.length} target`,
    );
  }
  const d = source[0].length;
  if (target[0].length !== d) {
    throw badInput(`proxy A-distance: source has ${d} features, target ${target[0].length}`);
  }
  // Equal counts per domain in both halves, so ε = 0.5 is chance whatever the domain sizes.
  const rng = new Rng(seed).fork('proxy-a-distance');
  const s = pickRows(source, rng.fork('source').permutation(source.length).slice(0, m));
  const t = pickRows(target, rng.fork('target').permutation(target.length).slice(0, m));
  const half = Math.floor(m / 2);
  const train = toMatrix([...s.slice(0, half), ...t.slice(0, half)], 'proxy A-distance', d);
  const test = toMatrix([...s.slice(half), ...t.slice(half)], 'proxy A-distance', d);
  const trainLabels = Uint8Array.from({ length: 2 * half }, (_, i) => (i < half ? 0 : 1));
  const testHalf = m - half;

  // Standardize with the training half's statistics (embedding features differ in scale by
  // orders of magnitude, and one λ has to suit them all).
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let r = 0; r < train.rows; r++) mean += train.data[r * d + j];
    mean /= train.rows;
    let variance = 0;
    for (let r = 0; r < train.rows; r++) variance += (train.data[r * d + j] - mean) ** 2;
    const std = Math.sqrt(variance / train.rows) || 1;
    for (const x of [train, test]) {
      for (let r = 0; r < x.rows; r++) x.data[r * d + j] = (x.data[r * d + j] - mean) / std;
    }
  }

  const model = fitLogistic(train.data, trainLabels, d, { l2 });
  let wrong = 0;
  for (let r = 0; r < test.rows; r++) {
    const predictedTarget = model.score(test.data, r) > 0;
    if (predictedTarget !== r >= testHalf) wrong++;
  }
  const error = wrong / test.rows;
  return { distance: Math.min(2, Math.max(0, 2 * (1 - 2 * error))), error, n: test.rows };
}
