// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, Alg. 7.4/7.5) with a
// backtracking Armijo line search, in float64: minimizes the smooth convex losses of the
// cross-validated probe without a learning rate to tune.

/** Loss at `w`; writes its gradient into `grad`. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations?: number;
  /** Stop when the gradient's largest entry falls below this. */
  gradientTolerance?: number;
  memory?: number;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The minimizer found from `start` (not modified) and the loss there. */
export function minimize(
  f: Objective,
  start: Float64Array,
  options: LbfgsOptions = {},
): { w: Float64Array; loss: number; iterations: number } {
  const { maxIterations = 200, gradientTolerance = 1e-6, memory = 10 } = options;
  const n = start.length;
  let w = Float64Array.from(start);
  let grad = new Float64Array(n);
  let loss = f(w, grad);
  const history: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    if (Math.max(...grad.map(Math.abs)) < gradientTolerance) break;
    // Two-loop recursion: direction = −H·grad.
    const q = Float64Array.from(grad);
    const alphas: number[] = [];
    for (let k = history.length - 1; k >= 0; k--) {
      const { s, y, rho } = history[k]!;
      const a = rho * dot(s, q);
      alphas[k] = a;
      for (let i = 0; i < n; i++) q[i]! -= a * y[i]!;
    }
    const last = history.at(-1);
    const gamma = last
      ? dot(last.s, last.y) / dot(last.y, last.y)
      : 1 / Math.max(1, Math.sqrt(dot(grad, grad)));
    for (let i = 0; i < n; i++) q[i]! *= gamma;
    for (let k = 0; k < history.length; k++) {
      const { s, y, rho } = history[k]!;
      const b = rho * dot(y, q);
      for (let i = 0; i < n; i++) q[i]! += s[i]! * (alphas[k]! - b);
    }
    const direction = q.map((v) => -v);
    let slope = dot(grad, direction);
    if (slope >= 0) {
      // Not a descent direction (curvature information went stale): steepest descent.
      history.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -grad[i]!;
      slope = -dot(grad, grad);
    }
    let step = 1;
    const next = new Float64Array(n);
    const nextGrad = new Float64Array(n);
    let nextLoss = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) next[i] = w[i]! + step * direction[i]!;
      nextLoss = f(next, nextGrad);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextLoss < loss)) break; // no progress possible at float64 precision
    const s = next.map((v, i) => v - w[i]!);
    const y = nextGrad.map((v, i) => v - grad[i]!);
    const sy = dot(s, y);
    if (sy > 1e-12) {
      history.push({ s, y, rho: 1 / sy });
      if (history.length > memory) history.shift();
    }
    w = next;
    grad = nextGrad;
    loss = nextLoss;
  }
  return { w, loss, iterations };
}
