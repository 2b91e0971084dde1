import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { minimize } from './lbfgs.js';
import { cholesky, solve } from './test-linalg.js';

test('L-BFGS finds the Rosenbrock minimum (1, 1) from (−1.2, 1)', () => {
  const { w } = minimize(
    (x, g) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    },
    Float64Array.from([-1.2, 1]),
    { gradientTolerance: 1e-10 },
  );
  assert.ok(Math.abs(w[0]! - 1) < 1e-6 && Math.abs(w[1]! - 1) < 1e-6, `${w}`);
});

test('L-BFGS solves a random positive definite quadratic: the minimizer is A⁻¹b', () => {
  const rng = new Rng(3);
  const d = 12;
  const m = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal()));
  const a = m.map((_, i) =>
    m.map((_, j) => m.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? 0.5 : 0)),
  );
  const b = Array.from({ length: d }, () => rng.normal());
  const { w } = minimize(
    (x, g) => {
      let loss = 0;
      for (let i = 0; i < d; i++) {
        let ax = 0;
        for (let j = 0; j < d; j++) ax += a[i]![j]! * x[j]!;
        g[i] = ax - b[i]!;
        loss += 0.5 * x[i]! * ax - b[i]! * x[i]!;
      }
      return loss;
    },
    new Float64Array(d),
    { gradientTolerance: 1e-10, maxIterations: 500 },
  );
  const want = solve(cholesky(a), b);
  for (const [i, v] of want.entries())
    assert.ok(Math.abs(w[i]! - v) < 1e-6, `x[${i}] ${w[i]} vs ${v}`);
});
