// The probe's objective, mean cross-entropy of multinomial logistic regression + l2/2 ‖W‖² (not
// the biases), and its gradient, in float64 — the inner loop of every L-BFGS solve, so written for
// speed: the weights are held class-major ([classes, dim + 1], each class's row its weights then
// its bias), so a row's logits are contiguous dot products and the gradient contiguous axpys; four
// rows are processed together, so each weight loaded serves four rows and each gradient entry is
// read and written once per four rows; no allocation per evaluation.

/** fitLogistic's layout ([dim + 1, classes], last row the biases) → class-major. */
export function toClassMajor(w: Float64Array, dim: number, classes: number): Float64Array {
  const out = new Float64Array(w.length);
  for (let j = 0; j <= dim; j++)
    for (let k = 0; k < classes; k++) out[k * (dim + 1) + j] = w[j * classes + k]!;
  return out;
}

/** Class-major → fitLogistic's layout ([dim + 1, classes]). */
export function fromClassMajor(w: Float64Array, dim: number, classes: number): Float64Array {
  const out = new Float64Array(w.length);
  for (let j = 0; j <= dim; j++)
    for (let k = 0; k < classes; k++) out[j * classes + k] = w[k * (dim + 1) + j]!;
  return out;
}

const BLOCK = 4;

/**
 * The objective over standardized rows `x` ([n, dim]) for class-major weights: returns the loss
 * and writes the gradient into `grad` (class-major too).
 */
export function logisticObjective(
  x: Float64Array,
  dim: number,
  labels: ArrayLike<number>,
  classes: number,
  l2: number,
): (w: Float64Array, grad: Float64Array) => number {
  const n = labels.length;
  const stride = dim + 1;
  // Per block: logits, then (in place) the loss gradient with respect to them.
  const z = new Float64Array(BLOCK * classes);

  /** Logits of rows i0..i0+rows-1 into z[r * classes + k]. */
  const logits = (w: Float64Array, i0: number, rows: number) => {
    if (rows === BLOCK) {
      const o0 = i0 * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      // Two classes at a time: each of the four rows' values loaded serves both.
      let k = 0;
      for (; k + 1 < classes; k += 2) {
        const ok = k * stride;
        const ol = ok + stride;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let b0 = 0;
        let b1 = 0;
        let b2 = 0;
        let b3 = 0;
        for (let j = 0; j < dim; j++) {
          const v = w[ok + j]!;
          const u = w[ol + j]!;
          const x0 = x[o0 + j]!;
          const x1 = x[o1 + j]!;
          const x2 = x[o2 + j]!;
          const x3 = x[o3 + j]!;
          a0 += x0 * v;
          a1 += x1 * v;
          a2 += x2 * v;
          a3 += x3 * v;
          b0 += x0 * u;
          b1 += x1 * u;
          b2 += x2 * u;
          b3 += x3 * u;
        }
        const bk = w[ok + dim]!;
        const bl = w[ol + dim]!;
        z[k] = a0 + bk;
        z[classes + k] = a1 + bk;
        z[2 * classes + k] = a2 + bk;
        z[3 * classes + k] = a3 + bk;
        z[k + 1] = b0 + bl;
        z[classes + k + 1] = b1 + bl;
        z[2 * classes + k + 1] = b2 + bl;
        z[3 * classes + k + 1] = b3 + bl;
      }
      for (; k < classes; k++) {
        const ok = k * stride;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let j = 0; j < dim; j++) {
          const v = w[ok + j]!;
          a0 += x[o0 + j]! * v;
          a1 += x[o1 + j]! * v;
          a2 += x[o2 + j]! * v;
          a3 += x[o3 + j]! * v;
        }
        const b = w[ok + dim]!;
        z[k] = a0 + b;
        z[classes + k] = a1 + b;
        z[2 * classes + k] = a2 + b;
        z[3 * classes + k] = a3 + b;
      }
      return;
    }
    for (let r = 0; r < rows; r++) {
      const o = (i0 + r) * dim;
      for (let k = 0; k < classes; k++) {
        const ok = k * stride;
        let a = 0;
        for (let j = 0; j < dim; j++) a += x[o + j]! * w[ok + j]!;
        z[r * classes + k] = a + w[ok + dim]!;
      }
    }
  };

  /** Adds the rows' contribution (z now holding dLoss/dlogits) to the gradient. */
  const accumulate = (grad: Float64Array, i0: number, rows: number) => {
    if (rows === BLOCK) {
      const o0 = i0 * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      let k = 0;
      for (; k + 1 < classes; k += 2) {
        const ok = k * stride;
        const ol = ok + stride;
        const g0 = z[k]!;
        const g1 = z[classes + k]!;
        const g2 = z[2 * classes + k]!;
        const g3 = z[3 * classes + k]!;
        const h0 = z[k + 1]!;
        const h1 = z[classes + k + 1]!;
        const h2 = z[2 * classes + k + 1]!;
        const h3 = z[3 * classes + k + 1]!;
        for (let j = 0; j < dim; j++) {
          const x0 = x[o0 + j]!;
          const x1 = x[o1 + j]!;
          const x2 = x[o2 + j]!;
          const x3 = x[o3 + j]!;
          grad[ok + j]! += g0 * x0 + g1 * x1 + g2 * x2 + g3 * x3;
          grad[ol + j]! += h0 * x0 + h1 * x1 + h2 * x2 + h3 * x3;
        }
        grad[ok + dim]! += g0 + g1 + g2 + g3;
        grad[ol + dim]! += h0 + h1 + h2 + h3;
      }
      for (; k < classes; k++) {
        const ok = k * stride;
        const g0 = z[k]!;
        const g1 = z[classes + k]!;
        const g2 = z[2 * classes + k]!;
        const g3 = z[3 * classes + k]!;
        for (let j = 0; j < dim; j++)
          grad[ok + j]! += g0 * x[o0 + j]! + g1 * x[o1 + j]! + g2 * x[o2 + j]! + g3 * x[o3 + j]!;
        grad[ok + dim]! += g0 + g1 + g2 + g3;
      }
      return;
    }
    for (let r = 0; r < rows; r++) {
      const o = (i0 + r) * dim;
      for (let k = 0; k < classes; k++) {
        const ok = k * stride;
        const g = z[r * classes + k]!;
        for (let j = 0; j < dim; j++) grad[ok + j]! += g * x[o + j]!;
        grad[ok + dim]! += g;
      }
    }
  };

  return (w, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const rows = Math.min(BLOCK, n - i0);
      logits(w, i0, rows);
      for (let r = 0; r < rows; r++) {
        const o = r * classes;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < classes; k++) max = Math.max(max, z[o + k]!);
        const y = labels[i0 + r]!;
        const labelLogit = z[o + y]!;
        let sum = 0;
        for (let k = 0; k < classes; k++) {
          const e = Math.exp(z[o + k]! - max);
          z[o + k] = e;
          sum += e;
        }
        // Cross-entropy = log Σ exp − logit of the label; its gradient softmax − one-hot.
        loss += max + Math.log(sum) - labelLogit;
        for (let k = 0; k < classes; k++) z[o + k] = (z[o + k]! / sum - (k === y ? 1 : 0)) / n;
      }
      accumulate(grad, i0, rows);
    }
    loss /= n;
    for (let k = 0; k < classes; k++)
      for (let j = 0; j < dim; j++) {
        const v = w[k * stride + j]!;
        loss += (l2 / 2) * v * v;
        grad[k * stride + j]! += l2 * v;
      }
    return loss;
  };
}
