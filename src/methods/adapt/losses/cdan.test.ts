import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import {
  chooseMap,
  entropyWeights,
  multilinearMap,
  RandomizedMap,
  randomizedMultilinearMap,
  weightedBinaryCrossEntropy,
} from './cdan.js';
import { assertClose, assertRelative, randomMatrix, randomProbs, rows, take } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** Float64 outer products, feature-major: row i, column a·c + k = f[i][a]·g[i][k]. */
function refOuter(f: number[][], g: number[][]): number[][] {
  return f.map((fi, i) => fi.flatMap((fa) => g[i]!.map((gk) => fa * gk)));
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k]!, 0);

test('multilinearMap is the per-sample outer product, flattened feature-major', () => {
  const rng = new Rng(1);
  const f = randomMatrix(rng, 3, 4);
  const g = randomProbs(rng, 3, 2);
  const ft = tf.tensor2d(f, [3, 4]);
  const gt = tf.tensor2d(g, [3, 2]);
  const out = multilinearMap(ft, gt);
  assert.deepEqual(out.shape, [3, 8]);
  assertClose(out.dataSync(), refOuter(rows(f, 3, 4), rows(g, 3, 2)).flat(), 1e-6);
  const short = tf.zeros([2, 2]) as tf.Tensor2D;
  assert.throws(() => multilinearMap(ft, short), /\[n, d\] and \[n, c\]/);
  tf.dispose([ft, gt, out, short]);
});

test('RandomizedMap is (f·R_f) ⊙ (g·R_g) / √outDim with seeded standard-normal R', () => {
  const rng = new Rng(2);
  const [n, d, c, D] = [4, 8, 3, 1024];
  const f = randomMatrix(rng, n, d);
  const g = randomProbs(rng, n, c);
  const map = new RandomizedMap(d, c, { seed: 7 });
  assert.equal(map.outDim, D);
  const { rf, rg } = map.matrices();
  const Rf = rows(rf.dataSync(), d, D);
  const Rg = rows(rg.dataSync(), c, D);
  const F = rows(f, n, d);
  const G = rows(g, n, c);
  const want = F.flatMap((fi, i) =>
    Array.from({ length: D }, (_, j) => {
      const a = fi.reduce((s, v, k) => s + v * Rf[k]![j]!, 0);
      const b = G[i]!.reduce((s, v, k) => s + v * Rg[k]![j]!, 0);
      return (a * b) / Math.sqrt(D);
    }),
  );
  const ft = tf.tensor2d(f, [n, d]);
  const gt = tf.tensor2d(g, [n, c]);
  const out = randomizedMultilinearMap(ft, gt, map);
  assert.deepEqual(out.shape, [n, D]);
  assertClose(out.dataSync(), want, 1e-5);

  // Standard normal entries: mean 0, variance 1 (4 standard errors over 8192 draws).
  const entries = Array.from(rf.dataSync());
  const mean = entries.reduce((a, b) => a + b) / entries.length;
  const variance = entries.reduce((a, b) => a + (b - mean) ** 2, 0) / (entries.length - 1);
  assert.ok(Math.abs(mean) < 4 / Math.sqrt(entries.length), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 4 * Math.sqrt(2 / entries.length), `variance ${variance}`);

  // Same seed → same matrices; another seed → others.
  const again = new RandomizedMap(d, c, { seed: 7 }).matrices();
  const other = new RandomizedMap(d, c, { seed: 8 }).matrices();
  assert.deepEqual(Array.from(again.rf.dataSync()), entries);
  assert.deepEqual(Array.from(again.rg.dataSync()), Array.from(rg.dataSync()));
  assert.notDeepEqual(Array.from(other.rf.dataSync()), entries);
  map.dispose();
  assert.throws(() => map.apply(ft, gt), /after dispose/);
  const narrow = new RandomizedMap(d, c, { outDim: 16 });
  assert.throws(() => narrow.apply(gt, ft), /built for/);
  narrow.dispose();
  tf.dispose([rf, rg, again.rf, again.rg, other.rf, other.rg, ft, gt, out]);
});

test("the randomized map's inner products equal the full map's in expectation", () => {
  const rng = new Rng(3);
  const [n, d, c, D, draws] = [4, 5, 3, 32, 400];
  const f = randomMatrix(rng, n, d);
  const g = randomProbs(rng, n, c);
  const F = rows(f, n, d);
  const G = rows(g, n, c);
  const full = refOuter(F, G);
  const ft = tf.tensor2d(f, [n, d]);
  const gt = tf.tensor2d(g, [n, c]);
  // Gram matrices of the randomized map over many independent seeds.
  const samples: number[][] = [];
  for (let s = 0; s < draws; s++) {
    const map = new RandomizedMap(d, c, { outDim: D, seed: 1000 + s });
    const gram = tf.tidy(() => {
      const t = map.apply(ft, gt);
      return tf.matMul(t, t, false, true);
    });
    samples.push(Array.from(gram.dataSync()));
    gram.dispose();
    map.dispose();
  }
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const truth = dot(full[i]!, full[j]!);
      assert.ok(Math.abs(truth - dot(F[i]!, F[j]!) * dot(G[i]!, G[j]!)) < 1e-9);
      const xs = samples.map((s) => s[i * n + j]!);
      const mean = xs.reduce((a, b) => a + b) / draws;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1));
      assert.ok(sd > 0);
      assert.ok(
        Math.abs(mean - truth) < 4 * (sd / Math.sqrt(draws)),
        `(${i},${j}): mean ${mean} vs ${truth}, standard error ${sd / Math.sqrt(draws)}`,
      );
    }
  tf.dispose([ft, gt]);
});

test('a wider randomized map approximates the inner products more closely', () => {
  const rng = new Rng(4);
  const [n, d, c] = [4, 6, 3];
  const f = randomMatrix(rng, n, d);
  const g = randomProbs(rng, n, c);
  const full = refOuter(rows(f, n, d), rows(g, n, c));
  const truth = full.flatMap((a) => full.map((b) => dot(a, b)));
  const ft = tf.tensor2d(f, [n, d]);
  const gt = tf.tensor2d(g, [n, c]);
  const meanSquaredError = (outDim: number) => {
    let total = 0;
    for (let s = 0; s < 20; s++) {
      const map = new RandomizedMap(d, c, { outDim, seed: s });
      const gram = tf.tidy(() => {
        const t = map.apply(ft, gt);
        return tf.matMul(t, t, false, true);
      });
      gram.dataSync().forEach((v, k) => {
        total += (v - truth[k]!) ** 2;
      });
      gram.dispose();
      map.dispose();
    }
    return total;
  };
  // The variance falls as 1/outDim: 64 times less in expectation.
  const narrow = meanSquaredError(16);
  const wide = meanSquaredError(1024);
  assert.ok(wide * 10 < narrow, `${wide} vs ${narrow}`);
  tf.dispose([ft, gt]);
});

test('chooseMap: the full map up to 4096 dimensions, a seeded 1024-wide map above', () => {
  const rng = new Rng(5);
  const small = chooseMap(256, 16);
  assert.equal(small.kind, 'full');
  assert.equal(small.outDim, 4096);
  assert.equal(chooseMap(4097, 1).kind, 'randomized');
  const big = chooseMap(2048, 10, undefined, 3);
  assert.equal(big.kind, 'randomized');
  assert.equal(big.outDim, 1024);
  assert.equal(chooseMap(64, 10, 512).kind, 'randomized');
  const f = tf.tensor2d(randomMatrix(rng, 2, 256), [2, 256]);
  const g = tf.tensor2d(randomProbs(rng, 2, 16), [2, 16]);
  const viaChoice = small.apply(f, g);
  const direct = multilinearMap(f, g);
  assert.deepEqual(Array.from(viaChoice.dataSync()), Array.from(direct.dataSync()));
  assert.throws(() => small.apply(g, f), /built for/);
  const same = new RandomizedMap(2048, 10, { seed: 3 });
  const fb = tf.tensor2d(randomMatrix(rng, 2, 2048), [2, 2048]);
  const gb = tf.tensor2d(randomProbs(rng, 2, 10), [2, 10]);
  const a = big.apply(fb, gb);
  const b = same.apply(fb, gb);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assert.throws(() => chooseMap(0, 10), /whole numbers/);
  assert.throws(() => chooseMap(4, 10, Number.NaN), /maxDim/);
  for (const m of [small, big, same]) m.dispose();
  tf.dispose([f, g, viaChoice, direct, fb, gb, a, b]);
});

test('entropyWeights = 1 + exp(−H(p)), 1 + 1/c for uniform, 2 for one-hot, no gradient', () => {
  const [n, c] = [7, 5];
  const p = randomProbs(new Rng(6), n, c);
  const want = rows(p, n, c).map((r) => {
    let h = 0;
    for (const v of r) if (v > 0) h -= v * Math.log(v);
    return 1 + Math.exp(-h);
  });
  const pt = tf.tensor2d(p, [n, c]);
  const w = entropyWeights(pt);
  assert.deepEqual(w.shape, [n]);
  assertClose(w.dataSync(), want, 1e-6);
  const uniform = tf.fill([2, c], 1 / c) as tf.Tensor2D;
  const oneHot = tf.oneHot([1, 3], c).toFloat() as tf.Tensor2D;
  const wu = entropyWeights(uniform);
  const wo = entropyWeights(oneHot);
  assertClose(wu.dataSync(), [1 + 1 / c, 1 + 1 / c], 1e-6);
  assertClose(wo.dataSync(), [2, 2], 1e-7);
  // d/dp Σ_i w_i(p)·Σ_c p_ic with w held constant is w_i in every column.
  const g = tf.grad((x: tf.Tensor) =>
    tf.sum(tf.mul(tf.expandDims(entropyWeights(x as tf.Tensor2D), 1), x)),
  )(pt);
  assertClose(
    g.dataSync(),
    want.flatMap((v) => Array(c).fill(v)),
    1e-6,
  );
  tf.dispose([pt, w, uniform, oneHot, wu, wo, g]);
});

/** Float64 BCE of one logit: −t·log σ(z) − (1 − t)·log(1 − σ(z)), with stable log σ. */
function refBce(z: number, t: number): number {
  const logSigmoid = (x: number) =>
    x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
  return -t * logSigmoid(z) - (1 - t) * logSigmoid(-z);
}

test('weightedBinaryCrossEntropy = Σ w·BCE / Σ w, value and gradient, large logits included', () => {
  const rng = new Rng(7);
  const n = 10;
  const z = Float32Array.from({ length: n }, (_, i) =>
    i === 0 ? 0 : i === 1 ? 40 : i === 2 ? -90 : 3 * rng.normal(),
  );
  const t = Float32Array.from({ length: n }, (_, i) => (i === 9 ? 0.3 : i % 2));
  const w = Float32Array.from({ length: n }, () => 1 + rng.next());
  const wsum = w.reduce((a, b) => a + b);
  let want = 0;
  let plain = 0;
  for (let i = 0; i < n; i++) {
    want += (w[i]! * refBce(z[i]!, t[i]!)) / wsum;
    plain += refBce(z[i]!, t[i]!) / n;
  }
  const zt = tf.tensor2d(z, [n, 1]);
  const tt = tf.tensor2d(t, [n, 1]);
  const wt = tf.tensor1d(w);
  assertRelative(take(weightedBinaryCrossEntropy(zt, tt, wt)), want, 1e-5, 'weighted');
  assertRelative(take(weightedBinaryCrossEntropy(zt, tt)), plain, 1e-5, 'plain');
  const [flatZ, flatT] = [tf.tensor1d(z), tf.tensor1d(t)];
  assertRelative(take(weightedBinaryCrossEntropy(flatZ, flatT, wt)), want, 1e-5, '[n]');
  tf.dispose([flatZ, flatT]);
  // Gradient w·(σ(z) − t)/Σw, also at z = 0 and for saturated logits.
  const g = tf.grad((x: tf.Tensor) => weightedBinaryCrossEntropy(x, tt, wt))(zt);
  const wantGrad = Array.from(z, (v, i) => (w[i]! * (1 / (1 + Math.exp(-v)) - t[i]!)) / wsum);
  assertClose(g.dataSync(), wantGrad, 1e-6);
  const [wide, long] = [tf.zeros([n, 2]), tf.ones([n + 1])];
  assert.throws(() => weightedBinaryCrossEntropy(zt, wide), /\[n\] or \[n, 1\]/);
  assert.throws(() => weightedBinaryCrossEntropy(zt, tt, long), /\[n\] or \[n, 1\]/);
  tf.dispose([zt, tt, wt, g, wide, long]);
});

test('no tensors leak', () => {
  const rng = new Rng(8);
  const f = tf.tensor2d(randomMatrix(rng, 4, 6), [4, 6]);
  const g = tf.tensor2d(randomProbs(rng, 4, 3), [4, 3]);
  const z = tf.tensor2d(randomMatrix(rng, 4, 1), [4, 1]);
  const t = tf.tensor2d([1, 1, 0, 0], [4, 1]);
  const map = new RandomizedMap(6, 3, { outDim: 8 });
  const full = chooseMap(6, 3);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    multilinearMap(f, g).dispose();
    map.apply(f, g).dispose();
    full.apply(f, g).dispose();
    entropyWeights(g).dispose();
    tf.tidy(() => weightedBinaryCrossEntropy(z, t, entropyWeights(g))).dispose();
    tf.grad((x: tf.Tensor) => weightedBinaryCrossEntropy(x, t, entropyWeights(g)))(z).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  map.dispose();
  assert.equal(tf.memory().numTensors, before - 2);
  tf.dispose([f, g, z, t]);
});
