import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { coralLoss, covariance } from './coral.js';
import { assertClose, assertRelative, randomMatrix, rows, take } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** Float64 unbiased covariance as a d×d array, from the textbook double sum. */
function refCov(x: number[][]): number[][] {
  const n = x.length;
  const d = x[0]!.length;
  const mean = Array.from({ length: d }, (_, k) => x.reduce((s, r) => s + r[k]!, 0) / n);
  return Array.from({ length: d }, (_, a) =>
    Array.from(
      { length: d },
      (_, b) => x.reduce((s, r) => s + (r[a]! - mean[a]!) * (r[b]! - mean[b]!), 0) / (n - 1),
    ),
  );
}

function refCoral(s: number[][], t: number[][]): number {
  const cs = refCov(s);
  const ct = refCov(t);
  const d = cs.length;
  let sum = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) sum += (cs[a]![b]! - ct[a]![b]!) ** 2;
  return sum / (4 * d * d);
}

function coralOf(s: Float32Array, n: number, t: Float32Array, m: number, d: number): number {
  return take(tf.tidy(() => coralLoss(tf.tensor2d(s, [n, d]), tf.tensor2d(t, [m, d]))));
}

test('covariance and CORAL match float64 references', () => {
  const rng = new Rng(1);
  const s = randomMatrix(rng, 9, 5, 1, 2);
  const t = randomMatrix(rng, 6, 5, 2, -1);
  const x = tf.tensor2d(s, [9, 5]);
  const c = covariance(x);
  assertClose(c.dataSync(), refCov(rows(s, 9, 5)).flat(), 1e-5);
  tf.dispose([x, c]);
  assertRelative(coralOf(s, 9, t, 6, 5), refCoral(rows(s, 9, 5), rows(t, 6, 5)), 1e-4);
});

test('identical batches and pure mean shifts cost ~0; scaling costs (s² − 1)²·‖C‖²/(4d²)', () => {
  const rng = new Rng(2);
  const n = 12;
  const d = 4;
  const s = randomMatrix(rng, n, d);
  assert.ok(coralOf(s, n, s, n, d) < 1e-10);
  const shift = randomMatrix(rng, 1, d, 3);
  const shifted = s.map((v, i) => v + shift[i % d]!);
  const cs = refCov(rows(s, n, d));
  const normSq = cs.flat().reduce((a, v) => a + v * v, 0);
  const small = ((1.1 ** 2 - 1) ** 2 * normSq) / (4 * d * d);
  const atShift = coralOf(s, n, shifted, n, d);
  assert.ok(atShift < 1e-4 * small, `mean shift: ${atShift} (vs ${small} for a 10% scaling)`);
  let previous = -1;
  for (const scale of [1.1, 1.5, 2, 3]) {
    const value = coralOf(
      s,
      n,
      s.map((v) => v * scale),
      n,
      d,
    );
    assertRelative(value, ((scale ** 2 - 1) ** 2 * normSq) / (4 * d * d), 1e-4, `scale ${scale}`);
    assert.ok(value > previous, `not increasing at scale ${scale}`);
    previous = value;
  }
});

test('gradient w.r.t. the source is X_c·(C_s − C_t) / (d²(n − 1)), finite', () => {
  const rng = new Rng(3);
  const n = 7;
  const m = 5;
  const d = 3;
  const s = randomMatrix(rng, n, d);
  const t = randomMatrix(rng, m, d, 2);
  const S = rows(s, n, d);
  const cs = refCov(S);
  const ct = refCov(rows(t, m, d));
  const mean = Array.from({ length: d }, (_, k) => S.reduce((a, r) => a + r[k]!, 0) / n);
  const want: number[] = [];
  for (const r of S)
    for (let b = 0; b < d; b++) {
      let v = 0;
      for (let a = 0; a < d; a++) v += (r[a]! - mean[a]!) * (cs[a]![b]! - ct[a]![b]!);
      want.push(v / (d * d * (n - 1)));
    }
  const st = tf.tensor2d(s, [n, d]);
  const tt = tf.tensor2d(t, [m, d]);
  const g = tf.grad((x: tf.Tensor) => coralLoss(x as tf.Tensor2D, tt))(st);
  assert.ok(g.dataSync().every(Number.isFinite));
  assertClose(g.dataSync(), want, 1e-5);
  tf.dispose([st, tt, g]);
});

test('no tensors leak; bad shapes are rejected', () => {
  const rng = new Rng(4);
  const s = tf.tensor2d(randomMatrix(rng, 4, 3), [4, 3]);
  const t = tf.tensor2d(randomMatrix(rng, 5, 3), [5, 3]);
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    coralLoss(s, t).dispose();
    tf.grad((x: tf.Tensor) => coralLoss(x as tf.Tensor2D, t))(s).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  const one = tf.zeros([1, 3]) as tf.Tensor2D;
  const wide = tf.zeros([4, 2]) as tf.Tensor2D;
  assert.throws(() => coralLoss(s, one), /n >= 2/);
  assert.throws(() => coralLoss(s, wide), /must be \[n, d\] and \[m, d\]/);
  tf.dispose([s, t, one, wide]);
});
