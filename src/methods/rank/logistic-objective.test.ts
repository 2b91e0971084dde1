// The blocked objective against a plain float64 one written out here (row by row, fitLogistic's
// layout): same loss and gradient at random weights, for row counts not a multiple of the block
// and odd class counts; and fitLogistic, warm-started along the L2 grid as solveProbe runs it,
// reaches the reference optimum (a much tighter L-BFGS solve of the plain objective) for every
// strength, its plain gradient below the solver's tolerance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { PROBE_L2_GRID } from '../classification/probe-solve.js';
import { minimize } from './lbfgs.js';
import { fromClassMajor, logisticObjective, toClassMajor } from './logistic-objective.js';
import { fitLogistic } from './probe.js';

/** Mean cross-entropy + l2/2 ‖W‖² and its gradient, weights [dim + 1, K] (last row biases). */
function plainObjective(x: Float64Array, dim: number, y: number[], K: number, l2: number) {
  return (w: Float64Array, grad: Float64Array) => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < y.length; i++) {
      const z = Array.from({ length: K }, (_, k) => {
        let s = w[dim * K + k]!;
        for (let j = 0; j < dim; j++) s += x[i * dim + j]! * w[j * K + k]!;
        return s;
      });
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
      loss += lse - z[y[i]!]!;
      for (let k = 0; k < K; k++) {
        const g = (Math.exp(z[k]! - lse) - (k === y[i] ? 1 : 0)) / y.length;
        for (let j = 0; j < dim; j++) grad[j * K + k]! += g * x[i * dim + j]!;
        grad[dim * K + k]! += g;
      }
    }
    loss /= y.length;
    for (let j = 0; j < dim * K; j++) {
      loss += (l2 / 2) * w[j]! ** 2;
      grad[j]! += l2 * w[j]!;
    }
    return loss;
  };
}

function problem(seed: number, n: number, dim: number, K: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: K }, () => Array.from({ length: dim }, () => rng.normal()));
  const y = Array.from({ length: n }, (_, i) => i % K);
  const x = Float64Array.from({ length: n * dim }, (_, p) => {
    const i = Math.floor(p / dim);
    return centres[y[i]!]![p % dim]! + 1.5 * rng.normal();
  });
  return { x, y };
}

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('blocked objective = plain objective (loss and gradient), odd sizes included', () => {
  for (const [n, dim, K] of [
    [50, 13, 5],
    [8, 3, 2],
    [7, 6, 3],
    [1, 4, 1],
  ] as const) {
    const { x, y } = problem(n + dim, n, dim, K);
    const rng = new Rng(3);
    const w = Float64Array.from({ length: (dim + 1) * K }, () => rng.normal());
    const l2 = 0.3;
    const expectedGrad = new Float64Array(w.length);
    const expected = plainObjective(x, dim, y, K, l2)(w, expectedGrad);
    const grad = new Float64Array(w.length).fill(7); // stale contents must be overwritten
    const loss = logisticObjective(x, dim, y, K, l2)(toClassMajor(w, dim, K), grad);
    const shape = `${n}x${dim}, ${K} classes`;
    assert.ok(Math.abs(loss - expected) <= 1e-12 * Math.abs(expected), `${shape}: loss ${loss}`);
    const got = fromClassMajor(grad, dim, K);
    for (let p = 0; p < w.length; p++)
      assert.ok(Math.abs(got[p]! - expectedGrad[p]!) <= 1e-12, `${shape}: gradient ${p}`);
    assert.deepEqual(fromClassMajor(toClassMajor(w, dim, K), dim, K), w);
  }
});

test('fitLogistic along the L2 grid reaches the reference optimum at every strength', () => {
  const [n, dim, K] = [90, 17, 5];
  const { x, y } = problem(5, n, dim, K);
  let start: Float64Array | undefined;
  for (const l2 of PROBE_L2_GRID) {
    const w = fitLogistic(x, dim, y, K, l2, start);
    start = w;
    const plain = plainObjective(x, dim, y, K, l2);
    const reference = minimize(plain, new Float64Array(w.length), {
      maxIterations: 5000,
      gradientTolerance: 1e-9,
    });
    const grad = new Float64Array(w.length);
    const loss = plain(w, grad);
    // The solver's stopping rule, checked with the plain gradient: max |∂| < 1e-6.
    assert.ok(maxAbs(grad) < 1e-6, `l2 ${l2}: gradient ${maxAbs(grad)} at the solution`);
    const refGrad = new Float64Array(w.length);
    plain(reference.w, refGrad);
    assert.ok(maxAbs(refGrad) < 1e-7, `l2 ${l2}: reference not converged`);
    assert.ok(
      Math.abs(loss - reference.loss) <= 1e-6 * reference.loss,
      `l2 ${l2}: loss ${loss} vs ${reference.loss}`,
    );
    // The weights' distance to the optimum is about ‖∇‖ / l2 (the penalty's curvature): at the
    // solver's tolerance, ~1e-5 relative at l2 = 1, ~1e-3 at l2 = 1e-3.
    const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    const distance = norm(w.map((v, p) => v - reference.w[p]!));
    assert.ok(distance <= (1e-5 / l2) * norm(reference.w), `l2 ${l2}: weights ${distance} off`);
  }
});
