import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { idsInBundleOrder, unannotated } from './bundle-detector.js';

test('results ids follow the detector’s category order, with the evaluated file’s ids', () => {
  const detector = { categories: ['cat', 'dog', 'bird'], categoryIds: [17, 18, 16] };
  // The evaluated COCO file orders (and numbers) its categories differently and lacks 'bird'.
  const data = { categories: ['dog', 'cat'], categoryIds: [2, 5] };
  assert.deepEqual(idsInBundleOrder(data, detector), [5, 2, 16]);
  // YOLO/VOC data have no ids: the training file's, else index + 1.
  assert.deepEqual(idsInBundleOrder({ categories: ['dog'] }, detector), [17, 18, 16]);
  assert.deepEqual(idsInBundleOrder({ categories: [] }, { categories: ['a', 'b'] }), [1, 2]);
});

test('images to predict on get unique names, also when two folders hold the same file name', () => {
  const names = unannotated(['x/a.jpg', 'x/b.png', 'y/a.jpg']).map((s) => s.sourceId);
  assert.deepEqual(names, ['x_a', 'b', 'y_a']);
  assert.ok(unannotated(['x/b.png'])[0].id.endsWith(`x${path.sep}b.png`));
});
