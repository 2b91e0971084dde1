// Decoding on hand-built detector outputs (boxes and scores worked out by hand) and a float64
// recomputation of every pre-NMS candidate on a random output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { boxIou } from '../../metrics/detection/iou.js';
import { Rng } from '../../util/rng.js';
import { decodeBatch, decodeDetections, decodeTensor, detectionCandidates } from './decode.js';
import type { DetectorLayout } from './layout.js';
import { classwiseNms } from './nms.js';

await tf.setBackend('cpu');

// 64-pixel input, strides 16 and 32: 4×4 + 2×2 = 20 locations, 3 classes, 8 channels each.
// Location 5 is stride 16, row 1, column 1: (24, 24); location 6 is (40, 24); location 16 is the
// first stride-32 one: (16, 16).
const layout: DetectorLayout = { inputSize: 64, strides: [16, 32], numClasses: 3 };
const PER = 8;

/** All background: class logits −20 (score ≈ 4e-5, far below any threshold), raw 0, centre 0. */
function blank(): Float32Array {
  const out = new Float32Array(20 * PER);
  for (let n = 0; n < 20; n++) out.fill(-20, n * PER, n * PER + 3);
  return out;
}

/** Set one location: class logits, the raw l, t, r, b regressions, centre-ness logit. */
function put(out: Float32Array, n: number, cls: number[], raw: number[], centre: number): void {
  out.set([...cls, ...raw, centre], n * PER);
}

/** Raw regression for a distance of d pixels at this stride (inverse of s·exp(r)). */
const raw = (d: number, stride: number) => Math.log(d / stride);

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function closeBox(got: readonly number[], want: readonly number[], tol: number): void {
  for (let i = 0; i < 4; i++) close(got[i]!, want[i]!, tol, `bbox[${i}]`);
}

test('a single strong location decodes to its box and sqrt(sigmoid(cls) · sigmoid(ctr))', () => {
  const out = blank();
  // At (40, 24), stride 16: l 16, t 8, r 12, b 16 → x1 24, y1 16, x2 52, y2 40.
  put(out, 6, [-20, 2, -20], [raw(16, 16), raw(8, 16), raw(12, 16), raw(16, 16)], 1);
  const dets = decodeDetections(out, layout);
  assert.equal(dets.length, 1);
  const [d] = dets;
  assert.equal(d!.category, 1);
  // sigmoid(2) = 0.88080, sigmoid(1) = 0.73106; product 0.64391; square root 0.80244.
  close(d!.score, 0.802442683241596, 1e-12, 'score');
  closeBox(d!.bbox, [24, 16, 28, 24], 1e-4);
});

test('overlapping locations collapse within a class and both stay across classes', () => {
  // Both locations predict the box x 8..56, y 8..48: from (40, 24) and from (24, 24).
  const same = () => {
    const out = blank();
    put(out, 6, [3, -20, -20], [raw(32, 16), raw(16, 16), raw(16, 16), raw(24, 16)], 0);
    put(out, 5, [2, -20, -20], [raw(16, 16), raw(16, 16), raw(32, 16), raw(24, 16)], 0);
    return out;
  };
  const out = same();
  assert.equal(detectionCandidates(out, layout).length, 2);
  const one = decodeDetections(out, layout);
  assert.equal(one.length, 1);
  // The stronger (logit 3, centre-ness logit 0) survives: sqrt(sigmoid(3) · 0.5).
  close(one[0]!.score, 0.6901355398841713, 1e-12, 'survivor score');
  closeBox(one[0]!.bbox, [8, 8, 48, 40], 1e-4);

  const two = same();
  two.set([-20, 2, -20], 5 * PER); // location 5 now says class 1
  const both = decodeDetections(two, layout);
  assert.deepEqual(
    both.map((d) => d.category),
    [0, 1],
  );
  assert.ok(boxIou(both[0]!.bbox, both[1]!.bbox) > 0.99, 'same box, kept twice');
  // The merge is NMS's doing: at IoU threshold 1 the same-class pair stays apart too.
  assert.equal(decodeDetections(out, layout, { iouThreshold: 1 }).length, 2);
});

test('scoreThreshold drops weak locations; maxDetections and preNmsTopK cap', () => {
  const out = blank();
  // Far-apart boxes so NMS keeps all: scores sqrt(sigmoid(z) · 0.5) for z = 2, 0, −2.
  put(out, 0, [2, -20, -20], [0, 0, 0, 0], 0); // 0.6636
  put(out, 15, [0, -20, -20], [0, 0, 0, 0], 0); // 0.5
  put(out, 19, [-2, -20, -20], [0, 0, 0, 0], 0); // 0.2441
  const scores = (o: object) => decodeDetections(out, layout, o).map((d) => d.score.toFixed(4));
  assert.deepEqual(scores({}), ['0.6636', '0.5000', '0.2441']);
  assert.deepEqual(scores({ scoreThreshold: 0.3 }), ['0.6636', '0.5000']);
  // Strictly above: a score equal to the threshold is dropped.
  assert.deepEqual(scores({ scoreThreshold: 0.5 }), ['0.6636']);
  assert.deepEqual(scores({ maxDetections: 2 }), ['0.6636', '0.5000']);
  assert.deepEqual(scores({ preNmsTopK: 1 }), ['0.6636']);
  assert.deepEqual(decodeDetections(blank(), layout), []);
  // Equal scores cut by preNmsTopK go in output order: locations 0 and 15 before 19.
  const tied = blank();
  for (const n of [19, 0, 15]) put(tied, n, [1, -20, -20], [0, 0, 0, 0], 0);
  assert.deepEqual(
    detectionCandidates(tied, layout, { preNmsTopK: 2 }).map((d) => d.location),
    [0, 15],
  );
  assert.deepEqual(detectionCandidates(tied, layout, { preNmsTopK: 0 }), []);
});

test('boxes are clipped to the input square, even from huge regressions', () => {
  const out = blank();
  // At (16, 16), stride 32: l 32e ≈ 87 and r 32e² ≈ 236 overshoot both sides; t, b clamp at
  // MAX_RAW_DISTANCE before exp, so stay finite, then clip.
  put(out, 16, [-20, -20, 4], [1, 1e6, 2, 1e6], 2);
  const [d] = decodeDetections(out, layout);
  assert.deepEqual(d!.bbox, [0, 0, 64, 64]);
  assert.equal(d!.category, 2);
  // A box inside on three sides is clipped on the fourth only: (40, 24) with r 40 → x2 = 64.
  const edge = blank();
  put(edge, 6, [4, -20, -20], [raw(8, 16), raw(8, 16), raw(40, 16), raw(8, 16)], 2);
  const [e] = decodeDetections(edge, layout);
  closeBox(e!.bbox, [32, 16, 32, 16], 1e-4);
});

test('every candidate above threshold matches a float64 recomputation, before and after NMS', () => {
  const rng = new Rng(5);
  const big: DetectorLayout = { inputSize: 64, strides: [8, 16, 32], numClasses: 4 };
  const per = big.numClasses + 5;
  // Independent locations: per level, row-major, (s/2 + j·s, s/2 + i·s).
  const locs = big.strides.flatMap((s) =>
    Array.from({ length: (64 / s) ** 2 }, (_, p) => ({
      x: s / 2 + (p % (64 / s)) * s,
      y: s / 2 + Math.floor(p / (64 / s)) * s,
      s,
    })),
  );
  const out = Float32Array.from({ length: locs.length * per }, () => rng.normal() * 2);
  // log sigmoid(z) = −softplus(−z), so the score is exp(−(softplus(−a) + softplus(−c)) / 2).
  const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  const threshold = 0.4;
  const want = new Map<string, { score: number; bbox: number[] }>();
  locs.forEach(({ x, y, s }, n) => {
    const v = (k: number) => out[n * per + k]!;
    const dist = (k: number) => s * Math.exp(Math.min(v(big.numClasses + k), 10));
    for (let c = 0; c < big.numClasses; c++) {
      const score = Math.exp(-(softplus(-v(c)) + softplus(-v(big.numClasses + 4))) / 2);
      if (score <= threshold) continue;
      const x1 = Math.max(0, x - dist(0));
      const y1 = Math.max(0, y - dist(1));
      const x2 = Math.min(64, x + dist(2));
      const y2 = Math.min(64, y + dist(3));
      want.set(`${n}/${c}`, { score, bbox: [x1, y1, x2 - x1, y2 - y1] });
    }
  });
  assert.ok(want.size > 50 && want.size < locs.length * 4, `${want.size} candidates`);

  const got = detectionCandidates(out, big, { scoreThreshold: threshold, preNmsTopK: 1e9 });
  assert.equal(got.length, want.size);
  for (const g of got) {
    const w = want.get(`${g.location}/${g.category}`);
    assert.ok(w, `unexpected candidate ${g.location}/${g.category}`);
    close(g.score, w.score, 1e-12, 'score');
    closeBox(g.bbox, w.bbox, 1e-9);
  }
  for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.score >= got[i]!.score, 'sorted');
  const top = detectionCandidates(out, big, { scoreThreshold: threshold, preNmsTopK: 10 });
  assert.deepEqual(top, got.slice(0, 10));

  // After NMS: the class-wise NMS of exactly these candidates, with the defaults.
  const dets = decodeDetections(out, big, { scoreThreshold: threshold });
  const expected = classwiseNms(got, { iouThreshold: 0.6, maxPerImage: 100 });
  assert.deepEqual(
    dets,
    expected.map(({ bbox, category, score }) => ({ bbox, category, score })),
  );
  assert.ok(dets.length > 5 && dets.length < got.length, `${dets.length} kept of ${got.length}`);
});

test('decodeBatch and decodeTensor decode each image on its own; wrong sizes throw', async () => {
  const a = blank();
  put(a, 6, [-20, 2, -20], [0, 0, 0, 0], 1);
  const b = blank();
  put(b, 16, [3, -20, -20], [0, 0, 0, 0], 0);
  put(b, 3, [-20, -20, 1], [0, 0, 0, 0], 1);
  const batch = new Float32Array(2 * 20 * PER);
  batch.set(a, 0);
  batch.set(b, 20 * PER);
  const want = [decodeDetections(a, layout), decodeDetections(b, layout)];
  assert.equal(want[1]!.length, 2);
  assert.deepEqual(decodeBatch(batch, 2, layout), want);
  const t = tf.tensor3d(batch, [2, 20, PER]);
  assert.deepEqual(await decodeTensor(t, layout), want);
  t.dispose();
  assert.throws(() => decodeBatch(batch, 3, layout), RangeError);
  assert.throws(() => decodeDetections(batch, layout), RangeError);
});
