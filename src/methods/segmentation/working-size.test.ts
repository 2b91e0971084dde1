// The size an image is segmented at, and masks enlarged back to the image's own size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enlargeMask, MAX_SCORE_BYTES, workingHint } from './working-size.js';

test('an image whose score map fits is segmented at its own size', () => {
  assert.equal(workingHint({ width: 4000, height: 3000 }, 21), undefined);
});

test('a larger one is decoded shrunk, aspect kept, so its score map fits', () => {
  const hint = workingHint({ width: 16000, height: 12000 }, 21);
  assert.ok(hint);
  assert.equal(hint.mode, 'shorter');
  assert.equal(hint.downscaleOnly, true);
  const width = Math.ceil((hint.size * 16000) / 12000);
  assert.ok(width * hint.size * 21 * 4 <= MAX_SCORE_BYTES * 1.001);
  assert.ok(width * hint.size * 21 * 4 > MAX_SCORE_BYTES * 0.99);
  // Few classes: the pixel bound holds instead.
  const two = workingHint({ width: 16000, height: 16000 }, 2);
  assert.equal(two?.size, 4096);
  assert.equal(workingHint({ width: 4096, height: 4096 }, 2), undefined);
});

test('masks are enlarged by nearest neighbour, values kept exactly', async () => {
  const mask = { data: Uint8Array.from([0, 17, 255, 3]), width: 2, height: 2 };
  const big = await enlargeMask(mask, { width: 4, height: 2 });
  assert.deepEqual([...big.data], [0, 0, 17, 17, 255, 255, 3, 3]);
  assert.equal(await enlargeMask(mask, { width: 2, height: 2 }), mask);
});
