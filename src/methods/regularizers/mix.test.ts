// Mixup, CutMix and the per-batch mixer in one file: each test file pays ~2 s of tfjs import.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { sampleBeta } from './beta.js';
import { cutmix, cutmixBox, cutmixWith, keptFraction } from './cutmix.js';
import { mixBatch } from './mix-batch.js';
import { mixRng, mixup, mixupWith } from './mixup.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

// --- mixup ---

function randomBatch(seed: number, n: number, h: number, w: number, c: number, classes: number) {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * h * w * c }, () => rng.normal());
  const t = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) t[i * classes + rng.int(classes)] = 1;
  return { x, t, shape: [n, h, w, c] as [number, number, number, number] };
}

/** Float64 mixup of row-major batches with `size` numbers per sample. */
function mixRef(a: Float32Array, size: number, lambda: number, perm: number[]): number[] {
  const out: number[] = [];
  perm.forEach((p, i) => {
    for (let k = 0; k < size; k++)
      out.push(lambda * a[i * size + k]! + (1 - lambda) * a[p * size + k]!);
  });
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test('mixupWith: λ·x + (1 − λ)·x[perm] for images and targets (float64 reference)', () => {
  const { x, t, shape } = randomBatch(1, 5, 3, 2, 3, 4);
  const perm = [3, 0, 4, 1, 2];
  const lambda = 0.3;
  const xt = tf.tensor4d(x, shape);
  const tt = tf.tensor2d(t, [5, 4]);
  const out = mixupWith(xt, tt, lambda, perm);
  assertClose(out.x.dataSync(), mixRef(x, 3 * 2 * 3, lambda, perm), 1e-6);
  assertClose(out.targets.dataSync(), mixRef(t, 4, lambda, perm), 1e-7);
  assert.equal(out.kind, 'mixup');
  assert.deepEqual(out.x.shape, shape);
  // Targets stay distributions.
  const sums = tf.sum(out.targets, 1);
  assertClose(sums.dataSync(), [1, 1, 1, 1, 1], 1e-6);
  assert.throws(() => mixupWith(xt, tt, 0.5, [0, 1, 2, 3, 3]), /permutation/);
  assert.throws(() => mixupWith(xt, tt, 1.5, perm), /λ/);
  tf.dispose([xt, tt, out.x, out.targets, sums]);
});

test('mixup draws λ ~ Beta(α, α) then the permutation, from the Rng only', () => {
  const { x, t, shape } = randomBatch(2, 6, 2, 2, 3, 3);
  const xt = tf.tensor4d(x, shape);
  const tt = tf.tensor2d(t, [6, 3]);
  const out = mixup(xt, tt, new Rng(42).fork('s', 7), { alpha: 0.4 });
  const replay = new Rng(42).fork('s', 7);
  const lambda = sampleBeta(replay, 0.4, 0.4);
  const perm = replay.permutation(6);
  assert.equal(out.lambda, lambda);
  assert.deepEqual(out.perm, perm);
  assertClose(out.x.dataSync(), mixRef(x, 12, lambda, perm), 1e-6);
  assertClose(out.targets.dataSync(), mixRef(t, 3, lambda, perm), 1e-7);
  tf.dispose([xt, tt, out.x, out.targets]);
});

// --- CutMix ---

test('cutmixBox: side round(4·√(1 − λ)), floor(side/2) before the centre, clipped (4×4 image)', () => {
  // λ = 0.75: side 2. Centre at a corner: half the box falls off both edges.
  assert.deepEqual(cutmixBox(4, 4, 0.75, 0, 0), { y1: 0, y2: 1, x1: 0, x2: 1 });
  assert.deepEqual(cutmixBox(4, 4, 0.75, 3, 3), { y1: 2, y2: 4, x1: 2, x2: 4 });
  assert.deepEqual(cutmixBox(4, 4, 0.75, 1, 2), { y1: 0, y2: 2, x1: 1, x2: 3 });
  // λ = 0.5: side round(2.83) = 3; centre (0, 3): rows −1..1 -> 0..1, cols 2..4 -> 2..3.
  assert.deepEqual(cutmixBox(4, 4, 0.5, 0, 3), { y1: 0, y2: 2, x1: 2, x2: 4 });
  // λ = 0: the whole image (side 4) unless clipped; λ = 1: nothing.
  assert.deepEqual(cutmixBox(4, 4, 0, 2, 2), { y1: 0, y2: 4, x1: 0, x2: 4 });
  assert.deepEqual(cutmixBox(4, 4, 0, 0, 0), { y1: 0, y2: 2, x1: 0, x2: 2 });
  const none = cutmixBox(4, 4, 1, 2, 1);
  assert.equal((none.y2 - none.y1) * (none.x2 - none.x1), 0);
  // Non-square: 4×8, λ = 0.75 -> 2×4 box.
  assert.deepEqual(cutmixBox(4, 8, 0.75, 2, 7), { y1: 1, y2: 3, x1: 5, x2: 8 });
  // Corrected λ is 1 − pasted area / image area.
  assert.equal(keptFraction(4, 4, cutmixBox(4, 4, 0.75, 0, 0)), 15 / 16);
  assert.equal(keptFraction(4, 4, cutmixBox(4, 4, 0.75, 3, 3)), 0.75);
  assert.equal(keptFraction(4, 4, cutmixBox(4, 4, 0.5, 0, 3)), 0.75);
  assert.equal(keptFraction(4, 4, cutmixBox(4, 4, 0, 0, 0)), 0.75);
  assert.equal(keptFraction(4, 8, cutmixBox(4, 8, 0.75, 2, 7)), 1 - 6 / 32);
});

test('cutmixWith pastes exactly the box from the partner and mixes targets by the kept area', () => {
  const n = 3;
  const [h, w, c] = [4, 4, 2];
  // Sample i, pixel (y, x), channel k holds 100·i + 10·(4y + x) + k: every value says where it came from.
  const x = Float32Array.from({ length: n * h * w * c }, (_, j) => {
    const k = j % c;
    const px = Math.floor(j / c) % (h * w);
    const i = Math.floor(j / (c * h * w));
    return 1000 * i + 10 * px + k;
  });
  const t = Float32Array.from([1, 0, 0, 0, 1, 0, 0.2, 0.3, 0.5]);
  const perm = [2, 0, 1];
  const box = { y1: 2, y2: 4, x1: 1, x2: 3 }; // bottom border, 2×2
  const xt = tf.tensor4d(x, [n, h, w, c]);
  const tt = tf.tensor2d(t, [n, 3]);
  const out = cutmixWith(xt, tt, box, perm);
  const got = out.x.dataSync();
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let k = 0; k < c; k++) {
          const inside = y >= 2 && y < 4 && xx >= 1 && xx < 3;
          const src = inside ? perm[i]! : i;
          const j = ((i * h + y) * w + xx) * c + k;
          assert.equal(got[j], 1000 * src + 10 * (4 * y + xx) + k, `sample ${i} (${y},${xx},${k})`);
        }
      }
    }
  }
  assert.equal(out.lambda, 0.75);
  const want = [0, 1, 2].flatMap((i) =>
    [0, 1, 2].map((k) => 0.75 * t[i * 3 + k]! + 0.25 * t[perm[i]! * 3 + k]!),
  );
  const gotT = out.targets.dataSync();
  want.forEach((v, j) => {
    assert.ok(Math.abs(gotT[j]! - v) < 1e-7, `target ${j}`);
  });
  assert.throws(() => cutmixWith(xt, tt, { y1: 0, y2: 5, x1: 0, x2: 1 }, perm), /not inside/);
  tf.dispose([xt, tt, out.x, out.targets]);
});

test('cutmix draws λ, the permutation, then the centre row and column from the Rng', () => {
  const n = 4;
  const rng = new Rng(5);
  const x = Float32Array.from({ length: n * 6 * 5 * 3 }, () => rng.normal());
  const xt = tf.tensor4d(x, [n, 6, 5, 3]);
  const tt = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3).toFloat() as tf.Tensor2D;
  for (const step of [0, 1, 2, 3]) {
    const out = cutmix(xt, tt, new Rng(8).fork(step), { alpha: 1 });
    const replay = new Rng(8).fork(step);
    const lambda = sampleBeta(replay, 1, 1);
    const perm = replay.permutation(n);
    const box = cutmixBox(6, 5, lambda, replay.int(6), replay.int(5));
    assert.deepEqual(out.box, box);
    assert.deepEqual(out.perm, perm);
    assert.equal(out.lambda, keptFraction(6, 5, box));
    const ref = cutmixWith(xt, tt, box, perm);
    assert.deepEqual(out.x.dataSync(), ref.x.dataSync());
    tf.dispose([out.x, out.targets, ref.x, ref.targets]);
  }
  tf.dispose([xt, tt]);
});

// --- mixBatch ---

function batch() {
  const rng = new Rng(77);
  const x = tf.tensor4d(
    Float32Array.from({ length: 6 * 8 * 8 * 3 }, () => rng.normal()),
    [6, 8, 8, 3],
  );
  const t = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4).toFloat() as tf.Tensor2D;
  return { x, t };
}

test('same seed and step: the same mixed batch; another step: a different one', () => {
  const { x, t } = batch();
  const mix = mixBatch({ mixupAlpha: 0.2, cutmixAlpha: 1 });
  const run = (seed: number, step: number) => {
    const out = mix(x, t, mixRng(seed, step));
    const r = {
      kind: out.kind,
      lambda: out.lambda,
      x: Array.from(out.x.dataSync()),
      t: Array.from(out.targets.dataSync()),
    };
    tf.dispose([out.x, out.targets]);
    return r;
  };
  for (const step of [0, 1, 2, 3, 4, 5]) {
    const a = run(1, step);
    assert.deepEqual(run(1, step), a);
    assert.notDeepEqual(run(1, step + 1).x, a.x);
    assert.notDeepEqual(run(2, step).x, a.x);
  }
  tf.dispose([x, t]);
});

test('prob and switchProb choose per batch at the configured rates', () => {
  const { x, t } = batch();
  const count = (mix: ReturnType<typeof mixBatch>, steps: number) => {
    const kinds: Record<string, number> = { none: 0, mixup: 0, cutmix: 0 };
    for (let s = 0; s < steps; s++) {
      const out = mix(x, t, mixRng(3, s));
      kinds[out.kind]!++;
      if (out.kind === 'none') {
        assert.equal(out.lambda, 1);
        assert.deepEqual(out.x.dataSync(), x.dataSync());
      }
      tf.dispose([out.x, out.targets]);
    }
    return kinds;
  };
  const steps = 400;
  const sd = Math.sqrt(steps * 0.25);
  const both = count(mixBatch({ mixupAlpha: 0.2, cutmixAlpha: 1, switchProb: 0.5 }), steps);
  assert.equal(both.none, 0);
  assert.ok(Math.abs(both.cutmix! - steps / 2) < 4 * sd, JSON.stringify(both));
  const half = count(mixBatch({ mixupAlpha: 0.2, prob: 0.5 }), steps);
  assert.equal(half.cutmix, 0);
  assert.ok(Math.abs(half.none! - steps / 2) < 4 * sd, JSON.stringify(half));
  assert.deepEqual(count(mixBatch({ cutmixAlpha: 1 }), 20), { none: 0, mixup: 0, cutmix: 20 });
  assert.deepEqual(count(mixBatch({ mixupAlpha: 1, cutmixAlpha: 1, switchProb: 0 }), 20), {
    none: 0,
    mixup: 20,
    cutmix: 0,
  });
  assert.throws(() => mixBatch({}), /both are off/);
  assert.throws(() => mixBatch({ mixupAlpha: 1, prob: 2 }), /prob/);
  tf.dispose([x, t]);
});

test('no tensors leak, inside tidy or disposing the results', () => {
  const { x, t } = batch();
  const mix = mixBatch({ mixupAlpha: 0.4, cutmixAlpha: 1, prob: 0.8 });
  const before = tf.memory().numTensors;
  for (let s = 0; s < 20; s++) {
    tf.tidy(() => {
      const out = mix(x, t, mixRng(0, s));
      return tf.sum(out.x);
    }).dispose();
    const out = mix(x, t, mixRng(0, s));
    tf.dispose([out.x, out.targets]);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, t]);
});
