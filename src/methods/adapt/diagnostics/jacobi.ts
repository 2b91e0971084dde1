// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: slow in the size
// (k³ per sweep) but exact to rounding and simple, which is what a k ≤ 10 Rayleigh-Ritz step
// needs. Not for the full covariance of a 1280-feature embedding; see pca.ts.

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as columns, row-major k×k: vectors[i * k + c] is entry i of vector c. */
  vectors: Float64Array;
}

/** `a` is row-major k×k and symmetric (only the upper triangle is read). */
export function symmetricEigen(a: ArrayLike<number>, k: number): SymmetricEigen {
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      m[i * k + j] = a[i * k + j];
      m[j * k + i] = a[i * k + j];
    }
  }
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < k; i++) {
      diag += m[i * k + i] ** 2;
      for (let j = i + 1; j < k; j++) off += m[i * k + j] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q];
        if (apq === 0) continue;
        // The rotation that zeroes m[p][q] (Golub & Van Loan, Alg. 8.4.1), smaller angle.
        const theta = (m[q * k + q] - m[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const mrp = m[r * k + p];
          const mrq = m[r * k + q];
          m[r * k + p] = c * mrp - s * mrq;
          m[r * k + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < k; r++) {
          const mpr = m[p * k + r];
          const mqr = m[q * k + r];
          m[p * k + r] = c * mpr - s * mqr;
          m[q * k + r] = s * mpr + c * mqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p];
          const vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort(
    (x, y) => m[y * k + y] - m[x * k + x] || x - y,
  );
  const values = Float64Array.from(order, (i) => m[i * k + i]);
  const vectors = new Float64Array(k * k);
  order.forEach((src, c) => {
    for (let r = 0; r < k; r++) vectors[r * k + c] = v[r * k + src];
  });
  return { values, vectors };
}
