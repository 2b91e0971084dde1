import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { crossValidatedProbe, fitLogistic } from './probe.js';

/** Mean cross-entropy + l2/2 ‖W‖², written out independently of probe.ts. */
function loss(w: Float64Array, x: Float64Array, dim: number, y: number[], K: number, l2: number) {
  let total = 0;
  y.forEach((label, i) => {
    const z = Array.from({ length: K }, (_, k) => {
      let s = w[dim * K + k]!;
      for (let j = 0; j < dim; j++) s += x[i * dim + j]! * w[j * K + k]!;
      return s;
    });
    const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
    total += lse - z[label]!;
  });
  let penalty = 0;
  for (let j = 0; j < dim * K; j++) penalty += w[j]! * w[j]!;
  return total / y.length + (l2 / 2) * penalty;
}

function blobs(seed: number, n: number, dim: number, K: number, spread: number) {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, (_, i) => i % K);
  const centers = Array.from({ length: K }, () =>
    Array.from({ length: dim }, () => 3 * rng.normal()),
  );
  const features = labels.flatMap((y) => centers[y]!.map((c) => c + spread * rng.normal()));
  return { features, labels, dim, numClasses: K };
}

test('the fitted probe is the optimum: finite-difference gradient of an independent loss ≈ 0', () => {
  const { features, labels, dim, numClasses } = blobs(1, 60, 4, 3, 2);
  const x = Float64Array.from(features);
  const l2 = 0.05;
  const w = fitLogistic(x, dim, labels, numClasses, l2);
  const h = 1e-5;
  for (let j = 0; j < w.length; j++) {
    const up = Float64Array.from(w);
    const down = Float64Array.from(w);
    up[j]! += h;
    down[j]! -= h;
    const g =
      (loss(up, x, dim, labels, numClasses, l2) - loss(down, x, dim, labels, numClasses, l2)) /
      (2 * h);
    assert.ok(Math.abs(g) < 1e-5, `∂loss/∂w[${j}] = ${g}`);
  }
});

test('cross-validated accuracy: 1 on well-separated classes, near chance on shuffled labels', () => {
  const separated = blobs(2, 90, 6, 3, 0.3);
  assert.equal(crossValidatedProbe(separated), 1);
  const rng = new Rng(4);
  const shuffled = rng.shuffle([...separated.labels]);
  const chance = crossValidatedProbe({ ...separated, labels: shuffled });
  assert.ok(chance < 0.6, `shuffled labels scored ${chance}`);
});
