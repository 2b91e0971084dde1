import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import { Rng } from '../../../util/rng.js';
import { pcgradCoefficients, pcgradGradients, projectionOrders } from './pcgrad.js';

await initEngine({ backend: 'wasm' });

const values = (t: tf.Tensor | undefined) => Array.from(t!.dataSync());
const assertClose = (actual: number[], expected: number[], what: string, tol = 1e-5) =>
  assert.ok(
    actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]!) <= tol),
    `${what}: [${actual}] vs [${expected}]`,
  );

test('two conflicting 2-D gradients: each projected onto the normal plane of the other, summed', () => {
  // g1 = (2, 0), g2 = (−1, 1): g1·g2 = −2 < 0.
  // g1^PC = g1 − (−2/‖g2‖² = −1)·g2 = (1, 1), orthogonal to g2;
  // g2^PC = g2 − (−2/‖g1‖² = −0.5)·g1 = (0, 1), orthogonal to g1; update = (1, 2).
  assert.deepEqual(
    pcgradCoefficients(
      [
        [4, -2],
        [-2, 2],
      ],
      [[1], [0]],
    ),
    [1.5, 2], // 1.5·(2, 0) + 2·(−1, 1) = (1, 2)
  );
  const perTask: tf.NamedTensorMap[] = [
    { shared: tf.tensor1d([2, 0]), head_a: tf.tensor1d([5, 6]) },
    { shared: tf.tensor1d([-1, 1]), head_b: tf.tensor1d([7]) },
  ];
  const out = pcgradGradients(perTask, { rng: new Rng(1) });
  assertClose(values(out.shared), [1, 2], 'shared');
  // Each head gets its own task's gradient, untouched.
  assert.deepEqual(values(out.head_a), [5, 6]);
  assert.deepEqual(values(out.head_b), [7]);
  assert.deepEqual(Object.keys(out).sort(), ['head_a', 'head_b', 'shared']);
});

test('gradients that do not conflict pass unchanged: the update is their plain sum', () => {
  // (1, 2)·(2, −0.5) = 1 > 0.
  const perTask = [{ shared: tf.tensor1d([1, 2]) }, { shared: tf.tensor1d([2, -0.5]) }];
  assert.deepEqual(values(pcgradGradients(perTask, { rng: new Rng(1) }).shared), [3, 1.5]);
  // Orthogonal ones too (g1·g2 = 0 is no conflict).
  const orthogonal = [{ w: tf.tensor1d([1, 0]) }, { w: tf.tensor1d([0, 3]) }];
  assert.deepEqual(values(pcgradGradients(orthogonal, { rng: new Rng(1) }).w), [1, 3]);
});

/** Algorithm 1 of the paper on explicit float64 vectors, for comparison. */
function referencePcgrad(g: number[][], orders: number[][]): number[] {
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const total = new Array<number>(g[0]!.length).fill(0);
  g.forEach((gi, i) => {
    const pc = [...gi];
    for (const j of orders[i]!) {
      const d = dot(pc, g[j]!);
      if (d < 0) {
        const scale = d / dot(g[j]!, g[j]!);
        for (let n = 0; n < pc.length; n++) pc[n]! -= scale * g[j]![n]!;
      }
    }
    pc.forEach((v, n) => {
      total[n]! += v;
    });
  });
  return total;
}

test('three tasks over two shared variables: the Gram-matrix form equals Algorithm 1, order and all', () => {
  const rng = new Rng(3);
  let conflicts = 0;
  for (let trial = 0; trial < 20; trial++) {
    // Task k's gradient over a [2, 2] and a [3] variable; task 2 does not reach `bias`.
    const g = Array.from({ length: 3 }, () => Array.from({ length: 7 }, () => rng.normal()));
    g[2]!.fill(0, 4);
    const perTask = g.map(
      (v, k): tf.NamedTensorMap => ({
        kernel: tf.tensor2d(v.slice(0, 4), [2, 2]),
        ...(k < 2 ? { bias: tf.tensor1d(v.slice(4)) } : {}),
      }),
    );
    const seed = 100 + trial;
    const orders = projectionOrders(3, new Rng(seed));
    const expected = referencePcgrad(g, orders);
    const out = pcgradGradients(perTask, { rng: new Rng(seed) });
    assertClose([...values(out.kernel), ...values(out.bias)], expected, `trial ${trial}`, 1e-4);
    const plainSum = g.reduce((s, v) => s.map((x, n) => x + v[n]!), new Array(7).fill(0));
    if (expected.some((v, n) => Math.abs(v - plainSum[n]!) > 1e-3)) conflicts++;
    tf.dispose([...perTask.flatMap(Object.values), ...Object.values(out)]);
  }
  assert.ok(conflicts >= 10, `only ${conflicts} of 20 random cases had a conflict to resolve`);
  // The order is the rng's: each task's others, shuffled.
  const orders = projectionOrders(4, new Rng(9));
  orders.forEach((o, i) => {
    assert.deepEqual(
      [...o].sort(),
      [0, 1, 2, 3].filter((j) => j !== i),
    );
  });
});

test('a variable marked unshared (the weighting’s own) gets the summed gradient, not a projection', () => {
  const perTask = [
    { w: tf.tensor1d([2, 0]), s: tf.tensor1d([0.5, 0]) },
    { w: tf.tensor1d([-1, 1]), s: tf.tensor1d([0, -0.25]) },
  ];
  const out = pcgradGradients(perTask, { rng: new Rng(1), unshared: new Set(['s']) });
  assertClose(values(out.w), [1, 2], 'w');
  assert.deepEqual(values(out.s), [0.5, -0.25]);
});
