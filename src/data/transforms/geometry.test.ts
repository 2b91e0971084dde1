import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { centerCrop, randomResizedCrop, sampleCropBox } from './crop.js';
import { flipHorizontal, flipVertical, randomHorizontalFlip } from './flip.js';
import { rotateImage } from './rotate.js';
import { coordImage, pixel } from './test-images.js';

test('horizontal flip moves (0,0) to (w-1,0); vertical flip to (0,h-1)', () => {
  const img = coordImage(5, 3);
  assert.deepEqual(pixel(flipHorizontal(img), 4, 0), [0, 0, 200]);
  assert.deepEqual(pixel(flipHorizontal(img), 0, 2), [40, 20, 200]);
  assert.deepEqual(pixel(flipVertical(img), 0, 2), [0, 0, 200]);
  assert.deepEqual(pixel(flipVertical(img), 3, 0), [30, 20, 200]);
});

test('randomHorizontalFlip with p=1 always flips, p=0 never', () => {
  const img = coordImage(4, 2);
  const rng = new Rng(1);
  assert.deepEqual(randomHorizontalFlip(1).apply(img, rng).data, flipHorizontal(img).data);
  assert.equal(randomHorizontalFlip(0).apply(img, rng), img);
});

test('center crop of a 6x4 pattern starts at floor((6-2)/2), floor((4-2)/2)', () => {
  const out = centerCrop(2).apply(coordImage(6, 4), null as never);
  assert.deepEqual([out.width, out.height], [2, 2]);
  assert.deepEqual(pixel(out, 0, 0), [20, 10, 200]);
  assert.deepEqual(pixel(out, 1, 1), [30, 20, 200]);
  // Odd margins round down: 5x5 -> 2x2 starts at (1,1).
  assert.deepEqual(
    pixel(centerCrop(2).apply(coordImage(5, 5), null as never), 0, 0),
    [10, 10, 200],
  );
});

test('rotating 90 degrees counter-clockwise moves the top-right pixel to the top-left', () => {
  const img = coordImage(5, 5);
  const r = rotateImage(img, 90);
  assert.deepEqual(pixel(r, 0, 0), [40, 0, 200]);
  assert.deepEqual(pixel(r, 0, 4), [0, 0, 200]);
  assert.deepEqual(pixel(r, 2, 2), [20, 20, 200]);
  assert.deepEqual(rotateImage(img, 0).data, img.data);
});

test('random resized crop boxes follow torchvision scale/ratio bounds', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 500; i++) {
    const b = sampleCropBox(200, 100, [0.08, 1], [3 / 4, 4 / 3], rng);
    assert.ok(b.left >= 0 && b.top >= 0 && b.left + b.width <= 200 && b.top + b.height <= 100);
    const area = (b.width * b.height) / 20000;
    assert.ok(area > 0.07 && area <= 1, `area ${area}`);
    const ratio = b.width / b.height;
    assert.ok(ratio > 0.7 && ratio < 1.4, `ratio ${ratio}`);
  }
  // Impossible ratio range falls back to the clamped center crop.
  const f = sampleCropBox(200, 100, [0.99, 1], [0.25, 0.25], rng);
  assert.deepEqual(f, { left: 87, top: 0, width: 25, height: 100 });
});

test('random resized crop is reproducible by seed and sensitive to it', () => {
  const img = coordImage(20, 16);
  const op = randomResizedCrop(8);
  const a = op.apply(img, new Rng(11));
  const b = op.apply(img, new Rng(11));
  assert.deepEqual(a.data, b.data);
  assert.deepEqual([a.width, a.height], [8, 8]);
  const others = [12, 13, 14, 15].map((s) => op.apply(img, new Rng(s)).data);
  assert.ok(others.some((d) => !d.every((v, i) => v === a.data[i])));
});
