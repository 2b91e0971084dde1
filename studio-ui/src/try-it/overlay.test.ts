import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classColor, maskToRgba, score } from './overlay.js';

test('a mask becomes translucent class colours, background clear', () => {
  const rgba = maskToRgba([0, 1, 2], 128);
  assert.deepEqual([...rgba.slice(0, 4)], [0, 0, 0, 0]);
  assert.deepEqual([...rgba.slice(4, 8)], [...classColor(1), 128]);
  assert.deepEqual([...rgba.slice(8, 12)], [...classColor(2), 128]);
  assert.notDeepEqual(classColor(1), classColor(2));
  assert.deepEqual(classColor(13), classColor(1));
});

test('scores read as percentages', () => {
  assert.equal(score(0.98765), '98.8%');
});
