// Minimum-cost assignment on a rectangular cost matrix (Kuhn 1955 / Munkres 1957), in the
// shortest-augmenting-path form with row/column potentials (as Jonker & Volgenant 1987 use):
// O(n^2 m) for n <= m. SORT associates detections to tracks with it; CLEAR MOT and IDF1 match
// ground truth to hypotheses with it.

export interface AssignOptions {
  /**
   * Pairs costing more than this are inadmissible and never returned. The result then has as many
   * admissible pairs as possible, and the least total cost among those (what the MOTChallenge
   * devkit's gated matching does), rather than an unconstrained optimum with pairs filtered after.
   */
  maxCost?: number;
}

export interface Assignment {
  /** [row, col] pairs, rows ascending. */
  pairs: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Assigns each row to at most one column and vice versa, min(rows, cols) pairs less any
 * inadmissible ones. Non-finite costs (NaN, ±Infinity) are inadmissible.
 */
export function assign(cost: readonly (readonly number[])[], opts: AssignOptions = {}): Assignment {
  const n = cost.length;
  const m = n === 0 ? 0 : cost[0]!.length;
  for (const row of cost) {
    if (row.length !== m) throw new RangeError('assign: cost matrix rows differ in length');
  }
  const maxCost = opts.maxCost ?? Number.POSITIVE_INFINITY;
  const ok = (c: number) => Number.isFinite(c) && c <= maxCost;

  // Inadmissible pairs get a cost so large that trading one away for any number of admissible
  // ones always pays: more than the spread of all admissible costs times the pair count.
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const row of cost) {
    for (const c of row) {
      if (ok(c)) {
        lo = Math.min(lo, c);
        hi = Math.max(hi, c);
      }
    }
  }
  if (lo > hi) lo = hi = 0;
  const big = hi + (hi - lo + 1) * (Math.min(n, m) + 1);

  // The solver wants rows <= cols; transpose otherwise.
  const flip = n > m;
  const rows = flip ? m : n;
  const cols = flip ? n : m;
  const a = (i: number, j: number) => {
    const c = flip ? cost[j]![i]! : cost[i]![j]!;
    return ok(c) ? c : big;
  };
  const colOwner = solve(rows, cols, a);

  const pairs: [number, number][] = [];
  for (let j = 0; j < cols; j++) {
    const i = colOwner[j]!;
    if (i < 0) continue;
    const [r, c] = flip ? [j, i] : [i, j];
    if (ok(cost[r]![c]!)) pairs.push([r, c]);
  }
  pairs.sort((p, q) => p[0] - q[0]);
  const rowUsed = new Set(pairs.map((p) => p[0]));
  const colUsed = new Set(pairs.map((p) => p[1]));
  return {
    pairs,
    unmatchedRows: range(n).filter((i) => !rowUsed.has(i)),
    unmatchedCols: range(m).filter((j) => !colUsed.has(j)),
  };
}

/**
 * Shortest augmenting paths with potentials u (rows) and v (cols), 1-based internally with
 * column 0 as the virtual start. Returns the row owning each column, or -1.
 */
function solve(n: number, m: number, a: (i: number, j: number) => number): number[] {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row (1-based) assigned to column j, 0 = none
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    // Flip the augmenting path back to the start.
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  return Array.from({ length: m }, (_, j) => p[j + 1]! - 1);
}

function range(k: number): number[] {
  return Array.from({ length: k }, (_, i) => i);
}
