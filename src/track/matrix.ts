// The few dense-matrix operations the Kalman filter needs (7x7 state, 4x4 innovation), on plain
// arrays so tracking stays free of tfjs and runs anywhere.

export type Mat = number[][];

export function identity(n: number, scale = 1): Mat {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? scale : 0)),
  );
}

export function diag(values: readonly number[]): Mat {
  return values.map((v, i) => values.map((_, j) => (i === j ? v : 0)));
}

export function mul(a: Mat, b: Mat): Mat {
  const n = a.length;
  const k = b.length;
  const m = b[0]!.length;
  const out: Mat = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const ait = a[i]![t]!;
      if (ait === 0) continue;
      const bt = b[t]!;
      const oi = out[i]!;
      for (let j = 0; j < m; j++) oi[j]! += ait * bt[j]!;
    }
  }
  return out;
}

export function transpose(a: Mat): Mat {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

export function add(a: Mat, b: Mat): Mat {
  return a.map((row, i) => row.map((x, j) => x + b[i]![j]!));
}

export function sub(a: Mat, b: Mat): Mat {
  return a.map((row, i) => row.map((x, j) => x - b[i]![j]!));
}

/** Gauss-Jordan with partial pivoting; throws on a singular matrix (a bug, not user input). */
export function inverse(a: Mat): Mat {
  const n = a.length;
  const w = a.map((row, i) => [...row, ...identity(n)[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(w[r]![c]!) > Math.abs(w[piv]![c]!)) piv = r;
    if (Math.abs(w[piv]![c]!) < 1e-300) throw new RangeError('inverse: singular matrix');
    [w[c], w[piv]] = [w[piv]!, w[c]!];
    const pr = w[c]!;
    const d = pr[c]!;
    for (let j = 0; j < 2 * n; j++) pr[j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = w[r]![c]!;
      if (f === 0) continue;
      const row = w[r]!;
      for (let j = 0; j < 2 * n; j++) row[j]! -= f * pr[j]!;
    }
  }
  return w.map((row) => row.slice(n));
}
