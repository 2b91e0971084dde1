import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { compose } from './compose.js';
import { centerCrop } from './crop.js';
import { evalTransform, trainTransform } from './presets.js';
import { coordImage, solidImage } from './test-images.js';

const config = {
  inputSize: 16,
  mean: [0.5, 0.5, 0.5] as [number, number, number],
  std: [0.5, 0.5, 0.5] as [number, number, number],
  interpolation: 'bilinear' as const,
};

test('eval transform: resize shorter to floor(16/0.875)=18, center crop 16, normalize', () => {
  const t = evalTransform(config);
  assert.equal(t.size, 16);
  // Inference resizes in TS only (the same code in Node and the browser): no decoder resize.
  assert.equal(t.decodeHint, undefined);
  const out = t.apply(solidImage(40, 30, [255, 0, 51]), new Rng(0));
  assert.equal(out.length, 16 * 16 * 3);
  assert.deepEqual([out[0], out[1], out[2]], [1, -1, Math.fround((51 / 255 - 0.5) / 0.5)]);
  // Deterministic: no randomness in eval.
  const img = coordImage(25, 20);
  assert.deepEqual(t.apply(img, new Rng(1)), t.apply(img, new Rng(2)));
});

test('eval transform center crop keeps the image center', () => {
  // 18x18 input is already at the resize size, so the crop takes pixels (1..16, 1..16).
  const out = evalTransform(config).apply(coordImage(18, 18), new Rng(0));
  assert.equal(out[0], Math.fround((10 / 255 - 0.5) / 0.5));
  assert.equal(out[1], Math.fround((10 / 255 - 0.5) / 0.5));
});

test('train transform is reproducible per seed and varies across seeds', () => {
  const t = trainTransform(config, { rotate: 10, vflip: 0.5 });
  const img = coordImage(24, 20);
  assert.deepEqual(t.apply(img, new Rng(5)), t.apply(img, new Rng(5)));
  assert.notDeepEqual(t.apply(img, new Rng(5)), t.apply(img, new Rng(6)));
  assert.equal(t.decodeHint?.downscaleOnly, true);
  assert.equal(t.decodeHint?.size, 32);
});

test('compose rejects a pipeline that does not end at the declared size', () => {
  const t = compose([centerCrop(4)], { size: 5, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.throws(() => t.apply(coordImage(8, 8), new Rng(0)), /produced 4x4, expected 5x5/);
});
