import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { VisiontuneError } from '../errors.js';
import { SharpDecoder } from './decode-sharp.js';
import {
  BLUE,
  encode,
  GREEN,
  quadrants,
  RED,
  type Rgb,
  randomBytes,
  truncatedJpeg,
  WHITE,
} from './test-fixtures.js';
import type { DecodedImage } from './types.js';

const decoder = new SharpDecoder();

function at(img: DecodedImage, x: number, y: number): Rgb {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

function near(actual: Rgb, expected: Rgb, tol: number, what: string) {
  const ok = actual.every((v, c) => Math.abs(v - expected[c]!) <= tol);
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} ±${tol}`);
}

for (const [format, tol] of [
  ['jpeg', 40],
  ['png', 0],
  ['webp', 40],
  ['gif', 0],
  ['tiff', 0],
] as const) {
  test(`decodes ${format} to RGB HWC with the right pixels`, async () => {
    const bytes = await encode(quadrants(16, 16, [RED, GREEN, BLUE, WHITE]), 16, 16, format);
    const img = await decoder.decode(bytes, `x.${format}`);
    assert.deepEqual([img.width, img.height, img.data.length], [16, 16, 16 * 16 * 3]);
    near(at(img, 3, 3), RED, tol, 'top-left');
    near(at(img, 12, 3), GREEN, tol, 'top-right');
    near(at(img, 3, 12), BLUE, tol, 'bottom-left');
    near(at(img, 12, 12), WHITE, tol, 'bottom-right');
  });
}

test('applies EXIF orientation 6 (rotate 90° clockwise): size swaps, quadrants move', async () => {
  // Stored 16x8: TL red, TR green, BL blue, BR white. Displayed 8x16: stored (x, y) -> (7 - y, x).
  const bytes = await sharp(quadrants(16, 8, [RED, GREEN, BLUE, WHITE]), {
    raw: { width: 16, height: 8, channels: 3 },
  })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  assert.equal((await sharp(bytes).metadata()).orientation, 6);
  const img = await decoder.decode(bytes, 'o6.jpg');
  assert.deepEqual([img.width, img.height], [8, 16]);
  near(at(img, 1, 2), BLUE, 40, 'top-left');
  near(at(img, 6, 2), RED, 40, 'top-right');
  near(at(img, 1, 13), WHITE, 40, 'bottom-left');
  near(at(img, 6, 13), GREEN, 40, 'bottom-right');
});

test('grayscale becomes three equal channels; alpha is flattened onto white', async () => {
  const gray = await encode(Buffer.alloc(4 * 4, 77), 4, 4, 'png', 1);
  const g = await decoder.decode(gray, 'g.png');
  assert.deepEqual(at(g, 2, 2), [77, 77, 77]);
  // Left half transparent red, right half opaque blue.
  const rgba = Buffer.alloc(4 * 4 * 4);
  for (let i = 0; i < 16; i++) rgba.set(i % 4 < 2 ? [255, 0, 0, 0] : [0, 0, 255, 255], i * 4);
  const a = await decoder.decode(await encode(rgba, 4, 4, 'png', 4), 'a.png');
  assert.deepEqual(at(a, 0, 0), [255, 255, 255]);
  assert.deepEqual(at(a, 3, 3), [0, 0, 255]);
});

test('decode hint resizes in the decoder: shorter side, downscale-only, exact', async () => {
  const bytes = await encode(quadrants(40, 20, [RED, GREEN, BLUE, WHITE]), 40, 20, 'png');
  const s = await decoder.decode(bytes, 's', {
    mode: 'shorter',
    size: 10,
    interpolation: 'bilinear',
  });
  assert.deepEqual([s.width, s.height], [20, 10]);
  const d = await decoder.decode(bytes, 'd', {
    mode: 'shorter',
    size: 50,
    interpolation: 'bicubic',
    downscaleOnly: true,
  });
  assert.deepEqual([d.width, d.height], [40, 20]);
  const e = await decoder.decode(bytes, 'e', { mode: 'exact', size: 8, interpolation: 'nearest' });
  assert.deepEqual([e.width, e.height], [8, 8]);
  near(at(e, 0, 0), RED, 0, 'nearest keeps colors');
});

test('truncated and random-bytes JPEGs become badInput naming the file and reason', async () => {
  const trunc = await truncatedJpeg();
  await assert.rejects(decoder.decode(trunc, 'cats/broken.jpg'), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(err.code, 'BAD_INPUT');
    assert.match(err.message, /cats\/broken\.jpg/);
    assert.match(err.details[0]!, /^cats\/broken\.jpg: (corrupt or )?truncated/);
    assert.doesNotMatch(err.message, /\n\s+at /);
    return true;
  });
  await assert.rejects(
    decoder.decode(randomBytes(300), 'junk.jpg'),
    /junk\.jpg: not a supported image/,
  );
  // The header probe sees random bytes but not truncation (that needs a full decode).
  assert.match((await decoder.probe(randomBytes(300)))!, /not a supported image/);
  assert.equal(await decoder.probe(trunc), null);
  assert.equal(await decoder.probe('/nonexistent/x.png'), 'file not found');
});
