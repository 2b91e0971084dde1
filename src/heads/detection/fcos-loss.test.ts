import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { batchTargets, fcosLoss } from './fcos-loss.js';
import { fcosTargets } from './fcos-targets.js';
import { channelsPerLocation, type DetectorLayout, locations } from './layout.js';

const layout: DetectorLayout = { inputSize: 64, strides: [8, 16, 32], numClasses: 3 };
const images = [
  [
    { bbox: [4, 6, 20, 18] as [number, number, number, number], category: 0 },
    { bbox: [20, 10, 40, 50] as [number, number, number, number], category: 2 },
  ],
  [{ bbox: [30, 30, 12, 9] as [number, number, number, number], category: 1 }],
  [], // a negative image: background everywhere
];

test('batch targets follow the output order: image by image, level by level, row-major', () => {
  const t = batchTargets(images, layout);
  const perImage = locations(layout).length;
  assert.equal(perImage, 64 + 16 + 4);
  assert.equal(t.labels.length, 3 * perImage);
  images.forEach((boxes, b) => {
    let at = b * perImage;
    for (const level of fcosTargets(boxes, 64, 64)) {
      assert.deepEqual([...t.labels.subarray(at, at + level.labels.length)], [...level.labels]);
      assert.deepEqual(
        [...t.distances.subarray(at * 4, (at + level.labels.length) * 4)],
        [...level.distances],
      );
      at += level.labels.length;
    }
  });
  assert.ok(t.labels.subarray(2 * perImage).every((l) => l === -1));
});

/** The loss in float64 from its definition, location by location. */
function reference(
  output: Float32Array,
  labels: Int32Array,
  dist: Float32Array,
  ctr: Float32Array,
) {
  const C = layout.numClasses;
  const K = channelsPerLocation(layout);
  const locs = locations(layout);
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  let focal = 0;
  let giouSum = 0;
  let weightSum = 0;
  let bce = 0;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < C; c++) {
      const p = sigmoid(output[i * K + c]);
      const y = labels[i] === c ? 1 : 0;
      focal += y ? -0.25 * (1 - p) ** 2 * Math.log(p) : -0.75 * p ** 2 * Math.log(1 - p);
    }
    if (labels[i] < 0) continue;
    positives++;
    const stride = locs[i % locs.length].stride;
    const pd = [0, 1, 2, 3].map((k) => stride * Math.exp(Math.min(10, output[i * K + C + k])));
    const td = [0, 1, 2, 3].map((k) => dist[i * 4 + k]);
    const area = (d: number[]) => (d[0] + d[2]) * (d[1] + d[3]);
    const inter =
      (Math.min(pd[0], td[0]) + Math.min(pd[2], td[2])) *
      (Math.min(pd[1], td[1]) + Math.min(pd[3], td[3]));
    const union = area(pd) + area(td) - inter;
    const encl =
      (Math.max(pd[0], td[0]) + Math.max(pd[2], td[2])) *
      (Math.max(pd[1], td[1]) + Math.max(pd[3], td[3]));
    const giou = inter / union - (encl - union) / encl;
    giouSum += (1 - giou) * ctr[i];
    weightSum += ctr[i];
    const q = sigmoid(output[i * K + C + 4]);
    bce += -(ctr[i] * Math.log(q) + (1 - ctr[i]) * Math.log(1 - q));
  }
  return {
    cls: focal / Math.max(1, positives),
    box: giouSum / weightSum,
    ctr: bce / positives,
    positives,
  };
}

test('the FCOS loss equals its float64 definition on a random output', async () => {
  await tf.setBackend('cpu');
  const t = batchTargets(images, layout);
  const rng = new Rng(7);
  const K = channelsPerLocation(layout);
  const values = Float32Array.from({ length: t.labels.length * K }, () => rng.normal());
  const output = tf.tensor3d(values, [images.length, t.labels.length / images.length, K]);
  const parts = fcosLoss(output, t, layout);
  const ref = reference(values, t.labels, t.distances, t.centerness);
  assert.equal(parts.positives, ref.positives);
  assert.ok(ref.positives > 5);
  for (const key of ['cls', 'box', 'ctr'] as const) {
    const got = (await parts[key].data())[0];
    assert.ok(
      Math.abs(got - ref[key]) < 1e-4 * Math.max(1, Math.abs(ref[key])),
      `${key}: ${got} vs ${ref[key]}`,
    );
  }
  const total = (await parts.total.data())[0];
  assert.ok(Math.abs(total - (ref.cls + ref.box + ref.ctr)) < 1e-3);
  tf.dispose([output, parts.total, parts.cls, parts.box, parts.ctr]);
});

test('an image batch without boxes has only the classification loss', async () => {
  await tf.setBackend('cpu');
  const t = batchTargets([[]], layout);
  const output = tf.zeros([1, t.labels.length, channelsPerLocation(layout)]);
  const parts = fcosLoss(output, t, layout);
  assert.equal(parts.positives, 0);
  assert.equal((await parts.box.data())[0], 0);
  // p = 0.5 everywhere, all background: Σ 0.75·0.25·ln 2 over locations × classes.
  const expected = 0.75 * 0.25 * Math.LN2 * t.labels.length * 3;
  assert.ok(Math.abs((await parts.cls.data())[0] - expected) < 1e-3);
  tf.dispose([output, parts.total, parts.cls, parts.box, parts.ctr]);
});

test('a one-category detector trains: the loss is the same as with a second, never-used class', async () => {
  await tf.setBackend('cpu');
  // tf.oneHot refuses depth 1; one category must still work (a COCO file with one category).
  const one: DetectorLayout = { inputSize: 32, strides: [8, 16, 32], numClasses: 1 };
  const two: DetectorLayout = { ...one, numClasses: 2 };
  const boxes = [[{ bbox: [2, 3, 14, 12] as [number, number, number, number], category: 0 }]];
  const output = tf.randomNormal([1, 21, 6], 0, 1, 'float32', 3);
  // The same output with a second class column whose logit is so low its focal loss is ~0.
  const padded = tf.concat(
    [
      tf.slice(output, [0, 0, 0], [1, 21, 1]),
      tf.fill([1, 21, 1], -30),
      tf.slice(output, [0, 0, 1], [1, 21, 5]),
    ],
    2,
  );
  const a = fcosLoss(output, batchTargets(boxes, one), one);
  const b = fcosLoss(padded, batchTargets(boxes, two), two);
  assert.equal(a.positives, b.positives);
  assert.ok(a.positives > 0);
  assert.ok(Math.abs(a.total.dataSync()[0] - b.total.dataSync()[0]) < 1e-6);
});
