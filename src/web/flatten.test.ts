// flattenRgba (the browser's alpha handling) against sharp's flatten onto white (Node's decoder,
// decode-sharp.ts) on random RGBA pixels, every alpha value included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { Rng } from '../util/rng.js';
import { flattenRgba } from './flatten.js';

test('flattenRgba matches sharp flatten onto white on random RGBA pixels', async () => {
  const rng = new Rng(5);
  const width = 64;
  const height = 32;
  const rgba = Uint8Array.from({ length: width * height * 4 }, () => rng.int(256));
  // Every alpha value at least once, opaque and transparent included.
  for (let a = 0; a < 256; a++) rgba[a * 4 + 3] = a;
  const want = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const got = flattenRgba(rgba, width, height);
  assert.deepEqual([got.width, got.height], [width, height]);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want[i]!));
  assert.equal(worst, 0, `differs from sharp by up to ${worst}`);
});

test('flattenRgba refuses a buffer of the wrong length', () => {
  assert.throws(() => flattenRgba(new Uint8Array(10), 2, 2), /10 values for 2x2 RGBA/);
});
