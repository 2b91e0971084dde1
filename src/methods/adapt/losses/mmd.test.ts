import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { medianPairwiseDistance, multiKernelMmd, pairwiseSquaredDistances } from './mmd.js';
import { assertClose, assertRelative, randomMatrix, rows, take } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

// ---- float64 reference: direct differences, a sort for the median, explicit kernel sums ----

function sqDist(a: number[], b: number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return s;
}

function refMedian(points: number[][]): number {
  const d: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) d.push(sqDist(points[i]!, points[j]!));
  d.sort((a, b) => a - b);
  const h = d.length >> 1;
  return d.length % 2 === 1 ? d[h]! : (d[h - 1]! + d[h]!) / 2;
}

function refBandwidths(points: number[][], mul: number, num: number): number[] {
  const base = refMedian(points);
  const half = Math.floor(num / 2);
  return Array.from({ length: num }, (_, i) => base * mul ** (i - half));
}

function meanKernel(a: number[][], b: number[][], gammas: number[]): number {
  let s = 0;
  for (const x of a)
    for (const y of b) {
      const d = sqDist(x, y);
      for (const g of gammas) s += Math.exp(-d / g);
    }
  return s / (a.length * b.length);
}

function refMmd(s: number[][], t: number[][], gammas: number[]): number {
  return meanKernel(s, s, gammas) + meanKernel(t, t, gammas) - 2 * meanKernel(s, t, gammas);
}

function mmdOf(s: Float32Array, n: number, t: Float32Array, m: number, d: number, options = {}) {
  return tf.tidy(() => multiKernelMmd(tf.tensor2d(s, [n, d]), tf.tensor2d(t, [m, d]), options));
}

test('pairwise distances and their median match float64 (odd and even pair counts)', () => {
  const rng = new Rng(1);
  for (const n of [11, 12, 2]) {
    const data = randomMatrix(rng, n, 5, 2, 3);
    const pts = rows(data, n, 5);
    const x = tf.tensor2d(data, [n, 5]);
    const dist = pairwiseSquaredDistances(x);
    const want = pts.flatMap((a) => pts.map((b) => sqDist(a, b)));
    assertClose(dist.dataSync(), want, 1e-5);
    assertRelative(take(medianPairwiseDistance(dist)), refMedian(pts), 1e-5, `n=${n}`);
    tf.dispose([x, dist]);
  }
});

test('MMD² matches a float64 reference (default bank, other banks, fixed bandwidths)', () => {
  const rng = new Rng(2);
  const cases = [
    { n: 7, m: 5, d: 4, options: {}, mul: 2, num: 5 },
    { n: 6, m: 5, d: 3, options: { kernelMul: 1.5, kernelNum: 4 }, mul: 1.5, num: 4 },
    { n: 9, m: 9, d: 6, options: { kernelNum: 1 }, mul: 2, num: 1 },
  ];
  for (const { n, m, d, options, mul, num } of cases) {
    const s = randomMatrix(rng, n, d);
    const t = randomMatrix(rng, m, d, 1.5, 0.7);
    const S = rows(s, n, d);
    const T = rows(t, m, d);
    const want = refMmd(S, T, refBandwidths([...S, ...T], mul, num));
    assertRelative(take(mmdOf(s, n, t, m, d, options)), want, 1e-4, JSON.stringify(options));
  }
  const s = randomMatrix(rng, 5, 3);
  const t = randomMatrix(rng, 8, 3, 1, 1);
  const fixed = [0.5, 3, 20];
  const want = refMmd(rows(s, 5, 3), rows(t, 8, 3), fixed);
  assertRelative(take(mmdOf(s, 5, t, 8, 3, { bandwidths: fixed })), want, 1e-4, 'fixed');
});

test('MMD² of a batch against itself is ~0', () => {
  const s = randomMatrix(new Rng(3), 16, 8, 3);
  const v = take(mmdOf(s, 16, s, 16, 8));
  assert.ok(Math.abs(v) < 1e-5, `${v}`);
});

test('MMD² grows with a mean shift between the domains', () => {
  const rng = new Rng(4);
  const n = 32;
  const d = 4;
  const s = randomMatrix(rng, n, d);
  const noise = randomMatrix(rng, n, d);
  const values = [0, 0.5, 1, 2].map((shift) =>
    take(
      mmdOf(
        s,
        n,
        noise.map((v) => v + shift),
        n,
        d,
      ),
    ),
  );
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i]! > values[i - 1]!, `not increasing: ${values}`);
  }
  assert.ok(values[3]! > 10 * values[0]!, `${values}`);
});

test('gradient w.r.t. the source is finite and matches float64 differences, bandwidths fixed', () => {
  const rng = new Rng(5);
  const n = 6;
  const m = 5;
  const d = 3;
  const s = randomMatrix(rng, n, d);
  const t = randomMatrix(rng, m, d, 1, 0.5);
  const S = rows(s, n, d);
  const T = rows(t, m, d);
  // The median is a constant for the gradient, so differentiate with the bandwidths frozen.
  const gammas = refBandwidths([...S, ...T], 2, 5);
  const tt = tf.tensor2d(t, [m, d]);
  const st = tf.tensor2d(s, [n, d]);
  const g = tf.grad((x: tf.Tensor) => multiKernelMmd(x as tf.Tensor2D, tt))(st);
  const got = g.dataSync();
  assert.ok(got.every(Number.isFinite));
  const h = 1e-6;
  const want: number[] = [];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) {
      const plus = S.map((r) => [...r]);
      const minus = S.map((r) => [...r]);
      plus[i]![k]! += h;
      minus[i]![k]! -= h;
      want.push((refMmd(plus, T, gammas) - refMmd(minus, T, gammas)) / (2 * h));
    }
  const scale = Math.max(...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) < 1e-3 * scale, `[${i}] ${got[i]} vs ${want[i]}`);
  }
  tf.dispose([tt, st, g]);
});

test('no tensors leak; bad shapes and options are rejected', () => {
  const rng = new Rng(6);
  const s = tf.tensor2d(randomMatrix(rng, 4, 3), [4, 3]);
  const t = tf.tensor2d(randomMatrix(rng, 5, 3), [5, 3]);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    multiKernelMmd(s, t).dispose();
    multiKernelMmd(s, t, { bandwidths: [1, 2] }).dispose();
    tf.grad((x: tf.Tensor) => multiKernelMmd(x as tf.Tensor2D, t))(s).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  const wrong = tf.zeros([4, 2]) as tf.Tensor2D;
  assert.throws(() => multiKernelMmd(s, wrong), /must be \[n, d\] and \[m, d\]/);
  assert.throws(() => multiKernelMmd(s, t, { kernelNum: 0 }), /kernelNum/);
  assert.throws(() => multiKernelMmd(s, t, { kernelMul: -2 }), /kernelMul/);
  assert.throws(() => multiKernelMmd(s, t, { bandwidths: [1, 0] }), /bandwidths/);
  tf.dispose([s, t, wrong]);
});
