// H-score (Bao et al., "An Information-Theoretic Approach to Transferability in Task Transfer
// Learning", ICIP 2019): tr(cov(f)⁺ cov(E[f | y])), how much of the features' variance lies
// between the classes, in the features' own metric. Higher is better; at most K − 1.
// And its shrinkage form (Ibrahim et al., "Newer is not always better: Rethinking transferability
// metrics, their peculiarities, stability and performance", ECML PKDD 2022): the covariance
// replaced by the Ledoit–Wolf estimate (1 − α) cov(f) + α σ̄ I. With as many dimensions as
// images (1280-d features, 512 images) cov(f) is singular and the plain H-score is K − 1 for
// any features; the shrinkage form still ranks them.
//
// H is computed in the eigenbasis of the centred features' smaller Gram matrix (gram-spectrum.ts):
// cov(E[f | y]) lies in the span of the features, so with F = U S Vᵀ, H = Σ_i Σ_k (U_iᵀ1_k)² / n_k.
// H_α needs no eigenvectors: with a_k = 1_k / √(n n_k), c = (1 − α)/n, λ = α σ̄ and G = FFᵀ,
//   H_α = (1 − α) Σ_k a_kᵀ (cG + λI)⁻¹ G a_k          (n < d; push-through identity)
//       = (1 − α) Σ_k m_kᵀ (cFᵀF + λI)⁻¹ m_k, m_k = Fᵀa_k  (n ≥ d)
// one Cholesky factorization of a min(n, d)² matrix instead of a d × d pseudo-inverse.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { featureMatrix, type LabelledFeatures, rowCount } from './features.js';
import { gramSpectrum, smallerGram } from './gram-spectrum.js';

/** The centred features [n, d] and each class's a_k = 1_k / √(n n_k) (absent classes left out). */
function centred(input: LabelledFeatures): { f: Matrix; classes: Float64Array[] } {
  const n = rowCount(input);
  const f = featureMatrix(input, n);
  f.subRowVector(f.mean('column'));
  const classes: Float64Array[] = [];
  for (let k = 0; k < input.numClasses; k++) {
    let count = 0;
    for (let i = 0; i < n; i++) if (input.labels[i] === k) count++;
    if (count === 0) continue;
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) if (input.labels[i] === k) a[i] = 1 / Math.sqrt(n * count);
    classes.push(a);
  }
  return { f, classes };
}

/** H-score with the pseudo-inverse of the feature covariance (Bao et al. 2019). */
export function hScore(input: LabelledFeatures): number {
  const { f, classes } = centred(input);
  const n = f.rows;
  const { zOf } = gramSpectrum(f);
  // a_kᵀ U Uᵀ a_k · n, summed over classes.
  let total = 0;
  for (const a of classes) for (const z of zOf(a)) total += n * z * z;
  return total;
}

/**
 * Ledoit–Wolf shrinkage α of centred features F [n, d] (sklearn's ledoit_wolf_shrinkage) and
 * σ̄ = tr(cov)/d, from the smaller Gram matrix: tr(FᵀF) = tr(G), ‖FᵀF‖²_F = ‖G‖²_F.
 */
export function ledoitWolf(f: Matrix, gram: Matrix): { alpha: number; mu: number } {
  const [n, d] = [f.rows, f.columns];
  let rowNorm4 = 0;
  for (let r = 0; r < n; r++) {
    let norm2 = 0;
    for (let c = 0; c < d; c++) norm2 += f.get(r, c) ** 2;
    rowNorm4 += norm2 * norm2;
  }
  const trace = gram.trace() / n;
  const mu = trace / d;
  const delta0 = gram.norm('frobenius') ** 2 / (n * n);
  const beta = (rowNorm4 / n - delta0) / (d * n);
  const delta = (delta0 - 2 * mu * trace + d * mu * mu) / d;
  const clipped = Math.min(beta, delta);
  return { alpha: clipped <= 0 ? 0 : clipped / delta, mu };
}

/** The shrinkage ("regularized") H-score H_α of Ibrahim et al. 2022; 0 ≤ H_α ≤ H. */
export function shrinkageHScore(input: LabelledFeatures): number {
  const { f, classes } = centred(input);
  const [n, d] = [f.rows, f.columns];
  const gram = smallerGram(f);
  const { alpha, mu } = ledoitWolf(f, gram);
  // No shrinkage (many images, few dimensions): the plain H-score.
  if (alpha === 0) return hScore(input);
  const system = gram.clone().mul((1 - alpha) / n);
  for (let i = 0; i < system.rows; i++) system.set(i, i, system.get(i, i) + alpha * mu);
  const solver = new CholeskyDecomposition(system);
  let total = 0;
  for (const a of classes) {
    const column = f.transpose().mmul(Matrix.columnVector(a));
    // G is FFᵀ when n < d (smallerGram): b = G a, read out by a; else b = m = Fᵀa, read by m.
    const [b, read] = n < d ? [f.mmul(column), a] : [column, column.to1DArray()];
    const w = solver.solve(b).to1DArray();
    for (let i = 0; i < w.length; i++) total += read[i]! * w[i]!;
  }
  return (1 - alpha) * total;
}
