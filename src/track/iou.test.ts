import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iou, iouMatrix } from './iou.js';

test('iou: identical, disjoint, touching, and a hand-computed overlap', () => {
  const a = { x: 0, y: 0, w: 10, h: 10 };
  assert.equal(iou(a, a), 1);
  assert.equal(iou(a, { x: 20, y: 0, w: 10, h: 10 }), 0);
  assert.equal(iou(a, { x: 10, y: 0, w: 10, h: 10 }), 0); // shared edge has no area
  // Overlap 5x10 = 50, union 100 + 100 - 50 = 150.
  assert.equal(iou(a, { x: 5, y: 0, w: 10, h: 10 }), 50 / 150);
  // Containment: 4 / 100.
  assert.equal(iou(a, { x: 3, y: 3, w: 2, h: 2 }), 4 / 100);
});

test('iou: empty boxes never match, and iou is symmetric', () => {
  const e = { x: 1, y: 1, w: 0, h: 0 };
  assert.equal(iou(e, e), 0);
  const a = { x: 1, y: 2, w: 7, h: 5 };
  const b = { x: 4, y: 0, w: 6, h: 9 };
  assert.equal(iou(a, b), iou(b, a));
});

test('iouMatrix has one row per first box and one column per second', () => {
  const a = { x: 0, y: 0, w: 10, h: 10 };
  const b = { x: 5, y: 0, w: 10, h: 10 };
  assert.deepEqual(iouMatrix([a, b], [a]), [[1], [50 / 150]]);
  assert.deepEqual(iouMatrix([], [a]), []);
  assert.deepEqual(iouMatrix([a], []), [[]]);
});
