import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crop, resample } from './resample.js';
import { resize, resizeShorter } from './resize.js';
import { coordImage, pixel } from './test-images.js';

function row(values: number[]) {
  const data = new Uint8Array(values.length * 3);
  values.forEach((v, i) => {
    data.fill(v, i * 3, i * 3 + 3);
  });
  return { data, width: values.length, height: 1 };
}

test('same-size resample is the identity for every interpolation', () => {
  const img = coordImage(7, 5);
  for (const interp of ['nearest', 'bilinear', 'bicubic'] as const) {
    assert.deepEqual(
      resample(img, { x: 0, y: 0, width: 7, height: 5 }, 7, 5, interp).data,
      img.data,
    );
  }
});

test('bilinear 2x upscale matches the hand-computed half-pixel-center values', () => {
  // Centers map to -0.25, 0.25, 0.75, 1.25 in the source: 0, 25, 75, 100 (edges clamp).
  const out = resize(4, 1, 'bilinear').apply(row([0, 100]), null as never);
  assert.deepEqual(
    [0, 1, 2, 3].map((x) => pixel(out, x, 0)[0]),
    [0, 25, 75, 100],
  );
});

test('bilinear 2x downscale antialiases with a triangle of width 2 (as PIL)', () => {
  // out0: weights .75,.75,.25 on [0,0,100] / 1.75 = 14.3; out1: .25,.75,.75 on [0,100,100] = 85.7.
  const out = resize(2, 1, 'bilinear').apply(row([0, 0, 100, 100]), null as never);
  assert.deepEqual([pixel(out, 0, 0)[0], pixel(out, 1, 0)[0]], [14, 86]);
});

test('nearest picks the source pixel under each output center', () => {
  const out = resize(2, 1, 'nearest').apply(row([10, 20, 30, 40]), null as never);
  assert.deepEqual([pixel(out, 0, 0)[0], pixel(out, 1, 0)[0]], [20, 40]);
});

test('bicubic stays within 0..255 on a hard edge (clamped overshoot)', () => {
  const out = resize(9, 1, 'bicubic').apply(row([0, 0, 255, 255]), null as never);
  assert.equal(out.width, 9);
  assert.ok(out.data.every((v) => v >= 0 && v <= 255));
  assert.equal(pixel(out, 0, 0)[0], 0);
  assert.equal(pixel(out, 8, 0)[0], 255);
});

test('resizeShorter keeps the aspect ratio', () => {
  const img = coordImage(30, 20);
  const out = resizeShorter(10).apply(img, null as never);
  assert.deepEqual([out.width, out.height], [15, 10]);
  const tall = resizeShorter(10).apply(coordImage(20, 30), null as never);
  assert.deepEqual([tall.width, tall.height], [10, 15]);
});

test('integer crop copies pixels and pads outside with the fill', () => {
  const img = coordImage(4, 4);
  const c = crop(img, 2, 1, 3, 2);
  assert.deepEqual(pixel(c, 0, 0), [20, 10, 200]);
  assert.deepEqual(pixel(c, 1, 1), [30, 20, 200]);
  assert.deepEqual(pixel(c, 2, 0), [0, 0, 0]);
});
