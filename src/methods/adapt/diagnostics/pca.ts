// The top two principal axes of a feature cloud, for the source-vs-target scatter. Embeddings
// have ~1000 features, so the d×d covariance is never formed: subspace iteration with a block
// of 16 vectors applies it as Xᵀ(X·Q) (2·n·d·16 per step), and a Rayleigh-Ritz step on the
// block (Jacobi on 16×16) separates the axes. The extra vectors make the top two converge at the
// rate λ₁₇/λ₂ rather than λ₃/λ₂, so a near tie between the 2nd and 3rd axes does not stall it.
import { badInput } from '../../../errors.js';
import { Rng } from '../../../util/rng.js';
import { symmetricEigen } from './jacobi.js';
import { type FeatureRows, toMatrix } from './matrix.js';

export interface Pca2d {
  /** Coordinates of a point on the two axes, after centring with the fitted mean. */
  project(point: ArrayLike<number>): [number, number];
  /** Share of the total variance along each axis, in [0, 1]. */
  explained: [number, number];
  /** Unit axes; each one's largest-magnitude entry is positive, so the result is deterministic. */
  axes: [Float64Array, Float64Array];
  mean: Float64Array;
}

const BLOCK = 16;
/**
 * Bounds the work at 60 · 2·n·d·16 (3–4 s on 2 cores for 1000 points of 1280 features).
 * Decaying spectra, as embeddings have, converge in far fewer steps; flat ones (isotropic
 * noise) may not converge at all, but then the top two axes mean little and the picture is the
 * same.
 */
const MAX_ITERATIONS = 60;
/** Converged when ‖C·u − θ·u‖ ≤ TOL·θ₁ for both axes. */
const TOL = 1e-10;

type Block = Float64Array[];

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Orthonormalizes the vectors of `q` in place (Gram-Schmidt, twice for float64 accuracy). */
function orthonormalize(q: Block, rng: Rng): void {
  for (let c = 0; c < q.length; c++) {
    const v = q[c];
    for (let attempt = 0; ; attempt++) {
      const before = Math.sqrt(dot(v, v));
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          const u = q[p];
          const proj = dot(u, v);
          for (let i = 0; i < v.length; i++) v[i] -= proj * u[i];
        }
      }
      const norm = Math.sqrt(dot(v, v));
      // A vector (nearly) in the span of the others: the data has lower rank than the block.
      // Any direction orthogonal to them will do; its Ritz value comes out ~0.
      if (norm > 1e-10 * before && norm > 0) {
        for (let i = 0; i < v.length; i++) v[i] /= norm;
        break;
      }
      if (attempt > 10) throw new Error('pca2d: could not orthonormalize the block');
      for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    }
  }
}

/** C·q for each q, with C = XᵀX / (n − 1) and X the centred rows; long inner loops for the JIT. */
function covarianceTimes(rows: Float64Array[], q: Block): Block {
  const d = q[0].length;
  const z = q.map(() => new Float64Array(d));
  const scale = 1 / (rows.length - 1);
  for (const x of rows) {
    for (let c = 0; c < q.length; c++) {
      const y = dot(x, q[c]) * scale;
      if (y === 0) continue;
      const zc = z[c];
      for (let i = 0; i < d; i++) zc[i] += y * x[i];
    }
  }
  return z;
}

/** The block rotated by k×k `v` (row-major, eigenvectors as columns): out[c] = Σ_p q[p]·v[p][c]. */
function rotate(q: Block, v: Float64Array): Block {
  const k = q.length;
  const d = q[0].length;
  return q.map((_, c) => {
    const out = new Float64Array(d);
    for (let p = 0; p < k; p++) {
      const w = v[p * k + c];
      if (w === 0) continue;
      const qp = q[p];
      for (let i = 0; i < d; i++) out[i] += w * qp[i];
    }
    return out;
  });
}

/** Flips `v` so its largest-magnitude entry (the first, on near ties) is positive. */
function signNormalize(v: Float64Array): Float64Array {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[best]) + 1e-12) best = i;
  if (v[best] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
  return v;
}

/** Unit vectors along the top two eigenvectors of the covariance, and their eigenvalues. */
function topTwo(rows: Float64Array[], d: number): { axes: Block; values: number[] } {
  const k = Math.min(d, BLOCK);
  const rng = new Rng(0).fork('pca2d');
  let q: Block = Array.from({ length: k }, () =>
    Float64Array.from({ length: d }, () => rng.normal()),
  );
  orthonormalize(q, rng);
  let ritz = q;
  let values: Float64Array = new Float64Array(k);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const z = covarianceTimes(rows, q);
    // Rayleigh-Ritz: B = Qᵀ C Q, rotated to its eigenbasis; the Ritz vectors come out sorted.
    const b = new Float64Array(k * k);
    for (let p = 0; p < k; p++) for (let c = p; c < k; c++) b[p * k + c] = dot(q[p], z[c]);
    const eig = symmetricEigen(b, k);
    values = eig.values;
    ritz = rotate(q, eig.vectors);
    const cRitz = rotate(z, eig.vectors);
    let residual = 0;
    for (let c = 0; c < Math.min(2, k); c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (cRitz[c][i] - values[c] * ritz[c][i]) ** 2;
      residual = Math.max(residual, Math.sqrt(s));
    }
    if (residual <= TOL * values[0]) break;
    q = cRitz;
    orthonormalize(q, rng);
  }
  return {
    axes: [ritz[0], ritz[1] ?? new Float64Array(d)],
    values: [Math.max(0, values[0]), k > 1 ? Math.max(0, values[1]) : 0],
  };
}

/** Principal component analysis onto two axes, in float64. Needs at least one point. */
export function pca2d(points: FeatureRows): Pca2d {
  if (points.length === 0) throw badInput('pca2d: no points');
  const { data: x, rows: n, cols: d } = toMatrix(points, 'pca2d');
  if (d === 0) throw badInput('pca2d: points have no features');
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += x[r * d + i] / n;
  let total = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      x[r * d + i] -= mean[i];
      total += x[r * d + i] ** 2;
    }
  }
  total = n > 1 ? total / (n - 1) : 0;

  let axes: [Float64Array, Float64Array];
  let variances: [number, number];
  if (total === 0) {
    // One point, or all the same: no direction is better than another.
    axes = [new Float64Array(d), new Float64Array(d)];
    axes[0][0] = 1;
    if (d > 1) axes[1][1] = 1;
    variances = [0, 0];
  } else {
    const rows = Array.from({ length: n }, (_, r) => x.subarray(r * d, (r + 1) * d));
    const top = topTwo(rows, d);
    axes = [signNormalize(top.axes[0]), signNormalize(top.axes[1])];
    variances = [top.values[0], top.values[1]];
  }

  const [a, b] = axes;
  return {
    axes,
    mean,
    explained: [variances[0] / (total || 1), variances[1] / (total || 1)],
    project(point) {
      if (point.length !== d)
        throw badInput(`pca2d: point has ${point.length} features, expected ${d}`);
      let u = 0;
      let v = 0;
      for (let i = 0; i < d; i++) {
        const c = point[i] - mean[i];
        u += c * a[i];
        v += c * b[i];
      }
      return [u, v];
    },
  };
}
