// LogME (You et al., "LogME: Practical Assessment of Pre-trained Models for Transfer Learning",
// ICML 2021): the log marginal evidence of a Bayesian linear model from features to each one-hot
// label column, with the prior and noise precisions (α, β) maximized by the paper's fixed-point
// updates; averaged over classes and divided by n. Higher means the features transfer better.
// Everything happens in the eigenbasis of the smaller Gram matrix (FᵀF or FFᵀ), so one
// eigendecomposition serves every class and every iteration.
import { featureMatrix, type LabelledFeatures, rowCount } from './features.js';
import { gramSpectrum } from './gram-spectrum.js';

/** The paper's reference code stops after at most 11 updates or a 1e-3 change of α/β. */
const MAX_ITERATIONS = 11;
const TOLERANCE = 1e-3;

/** log evidence / n of one label column, at its maximizing α and β. */
function columnEvidence(sigma: number[], z: number[], yNorm2: number, n: number, d: number) {
  const outside = Math.max(yNorm2 - z.reduce((a, v) => a + v * v, 0), 0);
  let alpha = 1;
  let beta = 1;
  let mNorm2 = 0;
  let residual2 = 0;
  for (let t = 0; t < MAX_ITERATIONS; t++) {
    let gamma = 0;
    mNorm2 = 0;
    residual2 = outside;
    sigma.forEach((s, i) => {
      const denom = alpha + beta * s;
      gamma += (beta * s) / denom;
      mNorm2 += (beta * beta * s * z[i]! * z[i]!) / (denom * denom);
      residual2 += ((alpha * z[i]!) / denom) ** 2;
    });
    const nextAlpha = gamma / Math.max(mNorm2, 1e-300);
    const nextBeta = (n - gamma) / Math.max(residual2, 1e-300);
    const change = Math.abs(nextAlpha / nextBeta - alpha / beta) / (alpha / beta);
    alpha = nextAlpha;
    beta = nextBeta;
    if (change < TOLERANCE) break;
  }
  // m and the residual at the final α, β.
  mNorm2 = 0;
  residual2 = outside;
  let logDet = (d - sigma.length) * Math.log(alpha);
  sigma.forEach((s, i) => {
    const denom = alpha + beta * s;
    mNorm2 += (beta * beta * s * z[i]! * z[i]!) / (denom * denom);
    residual2 += ((alpha * z[i]!) / denom) ** 2;
    logDet += Math.log(denom);
  });
  const evidence =
    (n / 2) * Math.log(beta) +
    (d / 2) * Math.log(alpha) -
    (n / 2) * Math.log(2 * Math.PI) -
    (beta / 2) * residual2 -
    (alpha / 2) * mNorm2 -
    logDet / 2;
  return evidence / n;
}

/** LogME of the features for the labels (mean over classes of log evidence / n). */
export function logme(input: LabelledFeatures): number {
  const n = rowCount(input);
  const f = featureMatrix(input, n);
  const { sigma, zOf } = gramSpectrum(f);
  let total = 0;
  for (let k = 0; k < input.numClasses; k++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = input.labels[i] === k ? 1 : 0;
    const yNorm2 = y.reduce((a, v) => a + v * v, 0);
    total += columnEvidence(sigma, zOf(y), yNorm2, n, input.dim);
  }
  return total / input.numClasses;
}
