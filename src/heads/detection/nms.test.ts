// NMS against TensorFlow.js's tf.image.nonMaxSuppression (an independent implementation) on
// seeded random box sets, plus hand cases for the class-wise variant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BBox } from '../../metrics/detection/iou.js';
import { Rng } from '../../util/rng.js';
import { classwiseNms, nms } from './nms.js';

await tf.setBackend('cpu');

const rng = new Rng(77);

/**
 * Clusters of jittered boxes (so many pairs overlap near any threshold) plus loose ones. Corners
 * are float32 values: tf stores boxes as float32, and with float32 corners x2 − x1 is exact in
 * float64, so both sides compute bit-identical IoUs and only the algorithms are compared.
 */
function randomBoxes(n: number): { corners: number[][]; boxes: BBox[] } {
  const corners: number[][] = [];
  const centres = Array.from({ length: 1 + rng.int(6) }, () => [
    rng.uniform(0, 200),
    rng.uniform(0, 200),
  ]);
  for (let i = 0; i < n; i++) {
    let x1: number;
    let y1: number;
    let w: number;
    let h: number;
    if (rng.bool(0.8)) {
      const [cx, cy] = centres[rng.int(centres.length)]!;
      w = rng.uniform(20, 40);
      h = rng.uniform(20, 40);
      x1 = cx! - w / 2 + rng.normal() * 4;
      y1 = cy! - h / 2 + rng.normal() * 4;
    } else {
      w = rng.uniform(1, 80);
      h = rng.uniform(1, 80);
      x1 = rng.uniform(0, 200);
      y1 = rng.uniform(0, 200);
    }
    const c = [x1, y1, x1 + w, y1 + h].map(Math.fround);
    corners.push(c);
  }
  const boxes = corners.map(([x1, y1, x2, y2]) => [x1!, y1!, x2! - x1!, y2! - y1!] as const);
  return { corners, boxes };
}

function tfNms(corners: number[][], scores: number[], maxOutput: number, iou: number): number[] {
  // tf wants [y1, x1, y2, x2].
  const b = tf.tensor2d(corners.map(([x1, y1, x2, y2]) => [y1!, x1!, y2!, x2!]));
  const s = tf.tensor1d(scores);
  const kept = tf.image.nonMaxSuppression(b, s, maxOutput, iou);
  const out = Array.from(kept.dataSync());
  tf.dispose([b, s, kept]);
  return out;
}

test('nms matches tf.image.nonMaxSuppression on random overlapping boxes, distinct scores', () => {
  let totalKept = 0;
  let totalSuppressed = 0;
  for (let trial = 0; trial < 60; trial++) {
    const n = 1 + rng.int(150);
    const { corners, boxes } = randomBoxes(n);
    // Distinct float32 scores: a random permutation of ranks, so no ties.
    const scores = rng.permutation(n).map((r) => Math.fround((r + 1) / (n + 1)));
    for (const iou of [0.1, 0.3, 0.5, 0.6, 0.7, 0.9]) {
      const maxOutput = trial % 3 === 0 ? 5 : n;
      const want = tfNms(corners, scores, maxOutput, iou);
      const got = nms(boxes, scores, { iouThreshold: iou, maxOutput });
      assert.deepEqual(got, want, `trial ${trial}, n ${n}, iou ${iou}`);
      totalKept += got.length;
      totalSuppressed += n - got.length;
    }
  }
  // The comparison means something only if both outcomes occur often.
  assert.ok(totalKept > 500 && totalSuppressed > 500, `${totalKept} kept, ${totalSuppressed} not`);
});

test('nms breaks equal scores by lower index, as tf does', () => {
  for (let trial = 0; trial < 20; trial++) {
    const n = 20 + rng.int(80);
    const { corners, boxes } = randomBoxes(n);
    // Only four score levels: most boxes tie with many others.
    const scores = Array.from({ length: n }, () => (1 + rng.int(4)) / 4);
    for (const iou of [0.3, 0.5, 0.7]) {
      assert.deepEqual(nms(boxes, scores, { iouThreshold: iou }), tfNms(corners, scores, n, iou));
    }
  }
  const same: BBox = [0, 0, 10, 10];
  assert.deepEqual(nms([same, same, same], [0.5, 0.5, 0.5], { iouThreshold: 0.5 }), [0]);
});

test('nms: IoU exactly at the threshold survives; empty input; maxOutput; NaN dropped', () => {
  // [0,0,10,10] and [5,0,10,10]: intersection 50, union 150, IoU exactly 1/3.
  const boxes: BBox[] = [
    [0, 0, 10, 10],
    [5, 0, 10, 10],
  ];
  assert.deepEqual(nms(boxes, [0.9, 0.8], { iouThreshold: 1 / 3 }), [0, 1]);
  assert.deepEqual(nms(boxes, [0.9, 0.8], { iouThreshold: 0.3 }), [0]);
  assert.deepEqual(nms(boxes, [0.8, 0.9], { iouThreshold: 0.3 }), [1]);
  assert.deepEqual(nms([], [], { iouThreshold: 0.5 }), []);
  const apart: BBox[] = [
    [0, 0, 1, 1],
    [10, 0, 1, 1],
    [20, 0, 1, 1],
  ];
  assert.deepEqual(nms(apart, [0.1, 0.3, 0.2], { iouThreshold: 0.5, maxOutput: 2 }), [1, 2]);
  assert.deepEqual(nms(apart, [0.1, Number.NaN, 0.2], { iouThreshold: 0.5 }), [2, 0]);
  assert.throws(() => nms(apart, [0.1], { iouThreshold: 0.5 }), RangeError);
});

test('classwiseNms suppresses only within a category and caps the image at maxPerImage', () => {
  const dets = [
    { bbox: [0, 0, 10, 10] as BBox, score: 0.9, category: 0 },
    { bbox: [1, 1, 10, 10] as BBox, score: 0.8, category: 0 },
    { bbox: [1, 0, 10, 10] as BBox, score: 0.7, category: 1 },
    { bbox: [50, 50, 5, 5] as BBox, score: 0.95, category: 0 },
    { bbox: [0, 1, 10, 10] as BBox, score: 0.6, category: 1 },
  ];
  const all = classwiseNms(dets, { iouThreshold: 0.5 });
  // Category 0 keeps 0.95 and 0.9 (0.8 overlaps 0.9); category 1 keeps 0.7 (0.6 overlaps it),
  // even though 0.7 overlaps category 0's 0.9 box.
  assert.deepEqual(
    all.map((d) => d.score),
    [0.95, 0.9, 0.7],
  );
  assert.equal(all[1], dets[0], 'returns the input objects themselves');
  assert.deepEqual(
    classwiseNms(dets, { iouThreshold: 0.5, maxPerImage: 2 }).map((d) => d.score),
    [0.95, 0.9],
  );
  assert.deepEqual(classwiseNms([], { iouThreshold: 0.5, maxPerImage: 10 }), []);
  // Equal scores across categories keep input order.
  const tie = [
    { bbox: [0, 0, 1, 1] as BBox, score: 0.5, category: 3, id: 'a' },
    { bbox: [0, 0, 1, 1] as BBox, score: 0.5, category: 1, id: 'b' },
  ];
  assert.deepEqual(
    classwiseNms(tie, { iouThreshold: 0.5 }).map((d) => d.id),
    ['a', 'b'],
  );
});

test('classwiseNms equals per-category nms merged by score on random detections', () => {
  const { boxes } = randomBoxes(300);
  const dets = boxes.map((bbox, i) => ({ bbox, score: (i * 7919) % 1000, category: rng.int(3) }));
  const got = classwiseNms(dets, { iouThreshold: 0.5, maxPerImage: 40 });
  const want = [0, 1, 2]
    .flatMap((c) => {
      const idx = dets.flatMap((d, i) => (d.category === c ? [i] : []));
      const kept = nms(
        idx.map((i) => boxes[i]!),
        idx.map((i) => dets[i]!.score),
        { iouThreshold: 0.5 },
      );
      return kept.map((k) => dets[idx[k]!]!);
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, 40);
  assert.deepEqual(got, want);
});
