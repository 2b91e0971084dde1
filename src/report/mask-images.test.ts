import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readMask } from '../data/segmentation/read-mask.js';
import type { LabelMap } from '../data/segmentation/types.js';
import type { DecodedImage } from '../data/types.js';
import { VisiontuneError } from '../errors.js';
import {
  colorizeMask,
  encodeColorPng,
  encodeIndexPng,
  maskTriplet,
  overlayMask,
} from './mask-images.js';

const mask = (width: number, height: number, values: number[]): LabelMap => ({
  data: Uint8Array.from(values),
  width,
  height,
});

const flat = (width: number, height: number, v: number): DecodedImage => ({
  data: new Uint8Array(width * height * 3).fill(v),
  width,
  height,
});

async function raw(bytes: Buffer, grey = false) {
  // sharp 0.35 hands greyscale out as 3 equal channels unless asked for b-w.
  const image = grey ? sharp(bytes).toColourspace('b-w') : sharp(bytes);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), info };
}

/** 3x2: background, aeroplane, bicycle / bird, person, VOC border. */
const SMALL = mask(3, 2, [0, 1, 2, 3, 15, 255]);
const SMALL_RGB = [
  [0, 0, 0],
  [128, 0, 0],
  [0, 128, 0],
  [128, 128, 0],
  [192, 128, 128],
  [224, 224, 192],
];

test('colorizeMask: VOC palette colours per label, 255 in the border colour', () => {
  assert.deepEqual([...colorizeMask(SMALL)], SMALL_RGB.flat());
});

test('colorizeMask: a custom palette, VOC colours past its end', () => {
  const palette: [number, number, number][] = [
    [10, 20, 30],
    [40, 50, 60],
  ];
  const rgb = colorizeMask(mask(3, 1, [1, 0, 2]), palette);
  assert.deepEqual([...rgb], [40, 50, 60, 10, 20, 30, 0, 128, 0]);
});

test('colorizeMask: wrong data length is a user error', () => {
  assert.throws(
    () => colorizeMask(mask(3, 2, [0, 1])),
    (e) => e instanceof VisiontuneError && e.code === 'BAD_INPUT' && /expected 3x2/.test(e.message),
  );
});

test('encodeIndexPng: a random mask reads back exactly, as one channel and via readMask', async () => {
  const width = 37;
  const height = 23;
  let seed = 7;
  const values = Array.from({ length: width * height }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 7 === 0 ? 255 : seed % 21;
  });
  const png = await encodeIndexPng(mask(width, height, values));
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.channels, 1);
  assert.equal(meta.space, 'b-w');
  const back = await raw(png, true);
  assert.deepEqual([back.info.width, back.info.height, back.info.channels], [width, height, 1]);
  assert.deepEqual([...back.data], values);
  const dir = await mkdtemp(path.join(tmpdir(), 'vt-mask-png-'));
  try {
    const file = path.join(dir, 'mask.png');
    await writeFile(file, png);
    const read = await readMask(file, { mode: 'index', numClasses: 21 });
    assert.deepEqual([read.width, read.height], [width, height]);
    assert.deepEqual([...read.data], values);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('encodeIndexPng: a mask that is a view into a larger buffer', async () => {
  const big = Uint8Array.from([9, 9, 1, 2, 3, 4, 9]);
  const png = await encodeIndexPng({ data: big.subarray(2, 6), width: 2, height: 2 });
  assert.deepEqual([...(await raw(png, true)).data], [1, 2, 3, 4]);
});

test('encodeColorPng: the palette colours, lossless', async () => {
  const back = await raw(await encodeColorPng(SMALL));
  assert.equal(back.info.channels, 3);
  assert.deepEqual([...back.data], SMALL_RGB.flat());
});

test('overlayMask: alpha 0.5 on flat grey; background and ignore untouched', async () => {
  const png = await overlayMask(flat(3, 2, 128), SMALL, { format: 'png' });
  const { data } = await raw(png);
  const expected = SMALL_RGB.flatMap((c, i) =>
    [0, 5].includes(i) ? [128, 128, 128] : c.map((v) => (128 + v) / 2),
  );
  assert.equal(data.length, expected.length);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(data[k] - expected[k]) <= 1, `byte ${k}: ${data[k]} vs ${expected[k]}`);
  }
});

test('overlayMask: alpha, backgroundIndex null, jpeg by default', async () => {
  const solid = await raw(
    await overlayMask(flat(3, 2, 100), SMALL, { alpha: 1, backgroundIndex: null, format: 'png' }),
  );
  // Background now tinted (black at alpha 1); ignore still untouched.
  assert.deepEqual([...solid.data.subarray(0, 6)], [0, 0, 0, 128, 0, 0]);
  assert.deepEqual([...solid.data.subarray(15, 18)], [100, 100, 100]);
  const jpeg = await overlayMask(flat(3, 2, 100), SMALL);
  assert.equal((await sharp(jpeg).metadata()).format, 'jpeg');
});

test('overlayMask: size mismatch and bad alpha are user errors', async () => {
  await assert.rejects(
    overlayMask(flat(4, 2, 0), SMALL),
    (e) => e instanceof VisiontuneError && /image is 4x2 but the mask is 3x2/.test(e.message),
  );
  await assert.rejects(overlayMask(flat(3, 2, 0), SMALL, { alpha: 2 }), /alpha 2/);
});

test('maskTriplet: three panels with gaps, scaled to maxSide', async () => {
  const image = flat(200, 100, 90);
  const truth = mask(200, 100, Array(200 * 100).fill(1));
  const pred = mask(200, 100, Array(200 * 100).fill(15));
  const jpeg = await maskTriplet(image, truth, pred, { maxSide: 64 });
  const { data, info } = await raw(jpeg);
  // Each panel 64x32, two 4 px gaps.
  assert.deepEqual([info.width, info.height], [3 * 64 + 2 * 4, 32]);
  const px = (x: number, y: number) => [
    ...data.subarray(3 * (y * info.width + x), 3 * (y * info.width + x) + 3),
  ];
  const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 12);
  assert.ok(near(px(30, 16), [90, 90, 90]), `image panel ${px(30, 16)}`);
  assert.ok(near(px(66, 16), [255, 255, 255]), `gap ${px(66, 16)}`);
  assert.ok(near(px(100, 16), [128, 0, 0]), `truth panel ${px(100, 16)}`);
  assert.ok(near(px(170, 16), [192, 128, 128]), `prediction panel ${px(170, 16)}`);
});

test('maskTriplet: no truth gives two panels; small images are not enlarged', async () => {
  const { info } = await raw(
    await maskTriplet(flat(30, 20, 0), null, mask(30, 20, Array(600).fill(0))),
  );
  assert.deepEqual([info.width, info.height], [2 * 30 + 4, 20]);
  await assert.rejects(
    maskTriplet(
      flat(30, 20, 0),
      mask(20, 30, Array(600).fill(0)),
      mask(30, 20, Array(600).fill(0)),
    ),
    /image is 30x20 but the mask is 20x30/,
  );
});
