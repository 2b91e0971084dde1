import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closesPolygon,
  edgeMidpoints,
  handlePoint,
  hitBoxes,
  hitPolygons,
  insertPoint,
  insidePolygon,
  movePoints,
  moveRect,
  resizeRect,
  roundRect,
  spanRect,
  toImage,
  type View,
} from './geometry.js';

// A 400×200 image shown at half size at (100, 50) on the page.
const view: View = {
  left: 100,
  top: 50,
  width: 200,
  height: 100,
  imageWidth: 400,
  imageHeight: 200,
};

test('client positions become image pixels, independent of the displayed size, clamped', () => {
  assert.deepEqual(toImage(view, 100, 50), [0, 0]);
  assert.deepEqual(toImage(view, 150, 75), [100, 50]);
  assert.deepEqual(toImage(view, 300, 150), [400, 200]);
  assert.deepEqual(toImage(view, 0, 1000), [0, 200]);
  assert.deepEqual(toImage({ ...view, width: 400, height: 200 }, 150, 75), [50, 25]);
});

test('a rect spans two corners in any order; rounding keeps 0.1 px', () => {
  assert.deepEqual(spanRect([30, 40], [10, 5]), { x: 10, y: 5, width: 20, height: 35 });
  assert.deepEqual(roundRect({ label: 'a', x: 1.234, y: 2.25, width: 3.99, height: 0.04 }), {
    label: 'a',
    x: 1.2,
    y: 2.3,
    width: 4,
    height: 0,
  });
});

test('moving keeps the box inside the image; resizing drags the handle edges and flips', () => {
  const box = { label: 'cat', x: 10, y: 10, width: 50, height: 20 };
  assert.deepEqual(moveRect(box, 5, -3, 400, 200), { ...box, x: 15, y: 7 });
  assert.deepEqual(moveRect(box, 1000, -1000, 400, 200), { ...box, x: 350, y: 0 });
  assert.deepEqual(resizeRect(box, 'se', [100, 50]), { ...box, width: 90, height: 40 });
  assert.deepEqual(resizeRect(box, 'n', [999, 0]), { ...box, y: 0, height: 30 });
  assert.deepEqual(resizeRect(box, 'w', [80, 0]), { ...box, x: 60, width: 20 });
  assert.deepEqual(handlePoint(box, 'e'), [60, 20]);
});

test('hits: the selected box handles first, then the topmost box containing the point', () => {
  const boxes = [
    { x: 0, y: 0, width: 100, height: 100 },
    { x: 50, y: 50, width: 100, height: 100 },
  ];
  assert.deepEqual(hitBoxes(boxes, [75, 75], 3), { index: 1, handle: 'move' });
  assert.deepEqual(hitBoxes(boxes, [20, 20], 3), { index: 0, handle: 'move' });
  assert.deepEqual(hitBoxes(boxes, [101, 99], 3, 0), { index: 0, handle: 'se' });
  assert.deepEqual(hitBoxes(boxes, [101, 99], 3), { index: 1, handle: 'move' });
  assert.equal(hitBoxes(boxes, [300, 300], 3), null);
});

test('polygons: inside test, vertex hits, closing on the first point', () => {
  const square: [number, number][] = [
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ];
  assert.equal(insidePolygon(square, [5, 5]), true);
  assert.equal(insidePolygon(square, [15, 5]), false);
  assert.deepEqual(hitPolygons([{ points: square }], [10.5, 9.5], 2), { index: 0, point: 2 });
  assert.deepEqual(hitPolygons([{ points: square }], [5, 5], 2), { index: 0 });
  assert.equal(hitPolygons([{ points: square }], [50, 5], 2), null);
  assert.equal(closesPolygon(square, [1, 1], 2), true);
  assert.equal(closesPolygon(square.slice(0, 2), [1, 1], 2), false);
  assert.equal(closesPolygon(square, [5, 5], 2), false);
});

test('polygon edits: edge midpoints, inserting a point, moving inside the image', () => {
  const tri: [number, number][] = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];
  assert.deepEqual(edgeMidpoints(tri), [
    [5, 0],
    [5, 5],
    [0, 5],
  ]);
  assert.deepEqual(insertPoint(tri, 2, [-1, 5]), [
    [0, 0],
    [10, 0],
    [0, 10],
    [-1, 5],
  ]);
  assert.deepEqual(insertPoint(tri, 0, [5, -1]), [
    [0, 0],
    [5, -1],
    [10, 0],
    [0, 10],
  ]);
  assert.deepEqual(movePoints(tri, 3, 4, 100, 100), [
    [3, 4],
    [13, 4],
    [3, 14],
  ]);
  assert.deepEqual(movePoints(tri, -5, 200, 100, 100), [
    [0, 90],
    [10, 90],
    [0, 100],
  ]);
});
