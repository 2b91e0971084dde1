// H-score (Bao et al., "An Information-Theoretic Approach to Transferability in Task Transfer
// Learning", ICIP 2019): tr(cov(f)⁻¹ cov(E[f | y])), how much of the features' variance lies
// between the classes, in the features' own metric. Higher is better; at most min(dim, K − 1).
// The pseudo-inverse handles features with no variance in some directions.
import { Matrix, pseudoInverse } from 'ml-matrix';
import { featureMatrix, type LabelledFeatures, rowCount } from './features.js';

/** Population covariance of the rows of `x` ([n, d]). */
function covariance(x: Matrix): Matrix {
  const centered = x.clone().subRowVector(x.mean('column'));
  return centered.transpose().mmul(centered).div(x.rows);
}

export function hScore(input: LabelledFeatures): number {
  const n = rowCount(input);
  const f = featureMatrix(input, n);
  // Each row replaced by its class mean: the covariance of E[f | y].
  const sums = Matrix.zeros(input.numClasses, input.dim);
  const counts = new Array<number>(input.numClasses).fill(0);
  for (let i = 0; i < n; i++) {
    const y = input.labels[i]!;
    counts[y]!++;
    for (let j = 0; j < input.dim; j++) sums.set(y, j, sums.get(y, j) + f.get(i, j));
  }
  const conditional = new Matrix(n, input.dim);
  for (let i = 0; i < n; i++) {
    const y = input.labels[i]!;
    for (let j = 0; j < input.dim; j++) conditional.set(i, j, sums.get(y, j) / counts[y]!);
  }
  return pseudoInverse(covariance(f)).mmul(covariance(conditional)).trace();
}
