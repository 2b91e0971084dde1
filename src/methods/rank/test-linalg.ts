// Test support: small dense linear algebra written out plainly, for reference implementations
// that must not share code with the scores they check (which use ml-matrix).

/** Cholesky factor L (A = LLᵀ) of a symmetric positive definite matrix. */
export function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(s) : s / l[j]![j]!;
    }
  return l;
}

/** A⁻¹b by the Cholesky factor. */
export function solve(l: number[][], b: number[]): number[] {
  const n = b.length;
  const w = [...b];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) w[i]! -= l[i]![k]! * w[k]!;
    w[i]! /= l[i]![i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) w[i]! -= l[k]![i]! * w[k]!;
    w[i]! /= l[i]![i]!;
  }
  return w;
}
