// Transferability-score timing on random features the size `--layer auto` and `visiontune rank`
// score (512 images, 10 classes): H-score (pseudo-inverse form, from the smaller Gram matrix's
// spectrum), the shrinkage H-score, LogME, and — with --pinv — the former d × d pseudo-inverse
// H-score for comparison (minutes at 1280-d). Prints JSON.
// Usage: node --import tsx bench/hscore-speed.ts [--n 512] [--dims 96,320,1280] [--pinv]
import { Matrix, pseudoInverse } from 'ml-matrix';
import { hScore, logme, shrinkageHScore } from '../src/methods/rank/index.js';
import { Rng } from '../src/util/rng.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('n', '512'));
const DIMS = arg('dims', '96,320,1280').split(',').map(Number);
const CLASSES = 10;

/** The former implementation: pinv(cov(f)) · cov(E[f|y]) with d × d matrices. */
function pinvHScore(f: Float64Array, d: number, labels: number[]): number {
  const x = new Matrix(N, d);
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) x.set(i, j, f[i * d + j]!);
  const means = Matrix.zeros(CLASSES, d);
  const counts = new Array<number>(CLASSES).fill(0);
  labels.forEach((y, i) => {
    counts[y]!++;
    for (let j = 0; j < d; j++) means.set(y, j, means.get(y, j) + x.get(i, j));
  });
  const g = new Matrix(labels.map((y) => means.getRow(y).map((v) => v / counts[y]!)));
  const cov = (m: Matrix) => {
    const c = m.clone().subRowVector(m.mean('column'));
    return c.transpose().mmul(c).div(m.rows);
  };
  return pseudoInverse(cov(x)).mmul(cov(g)).trace();
}

const seconds = (work: () => number) => {
  const start = performance.now();
  const value = work();
  return { value, seconds: (performance.now() - start) / 1000 };
};

const rng = new Rng(1);
const rows = [];
for (const d of DIMS) {
  const labels = Array.from({ length: N }, (_, i) => i % CLASSES);
  const centres = Array.from({ length: CLASSES }, () =>
    Array.from({ length: d }, () => rng.normal()),
  );
  const features = new Float64Array(N * d);
  labels.forEach((y, i) => {
    for (let j = 0; j < d; j++) features[i * d + j] = centres[y]![j]! * 0.3 + rng.normal();
  });
  const input = { features, dim: d, labels, numClasses: CLASSES };
  rows.push({
    n: N,
    dim: d,
    hscore: seconds(() => hScore(input)),
    shrinkageHScore: seconds(() => shrinkageHScore(input)),
    logme: seconds(() => logme(input)),
    ...(process.argv.includes('--pinv')
      ? { formerPinvHScore: seconds(() => pinvHScore(features, d, labels)) }
      : {}),
  });
}
console.log(JSON.stringify({ bench: 'hscore-speed', classes: CLASSES, rows }, null, 2));
