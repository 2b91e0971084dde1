// L2-regularized binary logistic regression in float64, for the proxy A-distance's domain
// classifier. Full-batch accelerated gradient descent (FISTA with backtracking and adaptive
// restart): no random init, no mini-batches, so the same data give the same weights. The
// objective is strongly convex, so the answer does not depend on how it is reached either.

export interface LogisticOptions {
  /** Weight λ of (λ/2)‖w‖² added to the mean log-loss; the bias is not penalized. */
  l2: number;
  maxIterations?: number;
  /** Stop when the gradient's largest entry is below this. */
  tolerance?: number;
}

export interface LogisticModel {
  weights: Float64Array;
  bias: number;
  iterations: number;
  /** Decision value w·x + b; positive means class 1. */
  score(x: Float64Array, row: number): number;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Fits `labels` (0/1) from row-major n×d `x`. θ = [w, b] lives in one array of length d + 1. */
export function fitLogistic(
  x: Float64Array,
  labels: Uint8Array,
  d: number,
  options: LogisticOptions,
): LogisticModel {
  const n = labels.length;
  const { l2, maxIterations = 1000, tolerance = 1e-7 } = options;
  const z = new Float64Array(n);

  const scores = (theta: Float64Array): void => {
    for (let r = 0; r < n; r++) {
      let s = theta[d];
      for (let j = 0; j < d; j++) s += x[r * d + j] * theta[j];
      z[r] = s;
    }
  };
  const penalty = (theta: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += theta[j] * theta[j];
    return 0.5 * l2 * s;
  };
  const loss = (theta: Float64Array): number => {
    scores(theta);
    let s = 0;
    for (let r = 0; r < n; r++) s += softplus(z[r]) - labels[r] * z[r];
    return s / n + penalty(theta);
  };
  /** Loss at θ, gradient into `g`. */
  const lossAndGradient = (theta: Float64Array, g: Float64Array): number => {
    const f = loss(theta);
    g.fill(0);
    for (let r = 0; r < n; r++) {
      const residual = (1 / (1 + Math.exp(-z[r])) - labels[r]) / n;
      for (let j = 0; j < d; j++) g[j] += residual * x[r * d + j];
      g[d] += residual;
    }
    for (let j = 0; j < d; j++) g[j] += l2 * theta[j];
    return f;
  };

  let theta = new Float64Array(d + 1);
  let fTheta = loss(theta);
  let y = new Float64Array(d + 1);
  const g = new Float64Array(d + 1);
  const next = new Float64Array(d + 1);
  let t = 1;
  // Lipschitz estimate of the gradient; only ever raised, by backtracking.
  let lip = l2 + 1e-3;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const fy = lossAndGradient(y, g);
    let gmax = 0;
    let g2 = 0;
    for (let j = 0; j <= d; j++) {
      gmax = Math.max(gmax, Math.abs(g[j]));
      g2 += g[j] * g[j];
    }
    if (gmax < tolerance) {
      theta = y.slice();
      break;
    }
    let fNext: number;
    for (;;) {
      for (let j = 0; j <= d; j++) next[j] = y[j] - g[j] / lip;
      fNext = loss(next);
      if (fNext <= fy - g2 / (2 * lip) + 1e-15 * Math.abs(fy)) break;
      lip *= 2;
    }
    if (fNext > fTheta && t > 1) {
      // Momentum overshot: restart from the last iterate (O'Donoghue & Candès 2015). With
      // t = 1 the step was a plain gradient step from θ, which backtracking made a descent.
      t = 1;
      y = theta.slice();
      continue;
    }
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const momentum = (t - 1) / tNext;
    const ny = new Float64Array(d + 1);
    for (let j = 0; j <= d; j++) ny[j] = next[j] + momentum * (next[j] - theta[j]);
    theta = next.slice();
    fTheta = fNext;
    y = ny;
    t = tNext;
  }
  const weights = theta.subarray(0, d);
  const bias = theta[d];
  return {
    weights,
    bias,
    iterations,
    score(rows, row) {
      let s = bias;
      for (let j = 0; j < d; j++) s += rows[row * d + j] * weights[j];
      return s;
    },
  };
}
