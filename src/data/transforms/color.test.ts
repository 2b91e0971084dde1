import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { adjustBrightness, adjustContrast, adjustSaturation, colorJitter } from './color-jitter.js';
import { normalizeInto, normalizeTable } from './normalize.js';
import { coordImage, pixel, solidImage } from './test-images.js';

test('brightness scales and clamps; saturation 0 gives gray; contrast 0 gives the mean gray', () => {
  const img = solidImage(2, 2, [100, 200, 50]);
  assert.deepEqual(pixel(adjustBrightness(img, 1.5), 0, 0), [150, 255, 75]);
  const g = Math.round(0.299 * 100 + 0.587 * 200 + 0.114 * 50);
  assert.deepEqual(pixel(adjustSaturation(img, 0), 1, 1), [g, g, g]);
  assert.deepEqual(pixel(adjustContrast(img, 0), 1, 0), [g, g, g]);
  assert.deepEqual(adjustContrast(img, 1).data, img.data);
});

test('color jitter is reproducible by seed and changes with it', () => {
  const img = coordImage(6, 6);
  const op = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4 });
  assert.deepEqual(op.apply(img, new Rng(1)).data, op.apply(img, new Rng(1)).data);
  assert.notDeepEqual(op.apply(img, new Rng(1)).data, op.apply(img, new Rng(2)).data);
});

test('normalization equals the float64 (v/255 - mean)/std rounded to float32', () => {
  const rng = new Rng(4);
  const img = solidImage(16, 16, [0, 0, 0]);
  for (let i = 0; i < img.data.length; i++) img.data[i] = rng.int(256);
  const mean = [0.485, 0.456, 0.406] as const;
  const std = [0.229, 0.224, 0.225] as const;
  const out = new Float32Array(img.data.length + 5);
  normalizeInto(img, normalizeTable({ mean, std }), out, 5);
  for (let i = 0; i < img.data.length; i++) {
    const c = i % 3;
    assert.equal(out[5 + i], Math.fround((img.data[i]! / 255 - mean[c]) / std[c]));
  }
  assert.throws(() => normalizeTable({ mean: [0, 0, 0], std: [1, 0, 1] }), RangeError);
});
