// Real PNG masks written with sharp: index (gray) and palette (VOC colours, paletted and plain RGB)
// masks read back to the exact indices; out-of-range values and unknown colours are named with
// their pixel counts; binary masks threshold at 127.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { VisiontuneError } from '../../errors.js';
import { setInputPolicy } from '../../guard/index.js';
import { readMask } from './read-mask.js';
import { vocColormap } from './voc-colormap.js';

const W = 4;
const H = 3;
const INDICES = [0, 1, 2, 3, 255, 0, 1, 2, 3, 3, 0, 255];

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-mask-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function grayPng(name: string, values: number[]): Promise<string> {
  const file = path.join(dir, name);
  await sharp(Buffer.from(values), { raw: { width: W, height: H, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(file);
  return file;
}

async function rgbPng(name: string, values: number[], palette: boolean): Promise<string> {
  const file = path.join(dir, name);
  const cmap = vocColormap();
  const rgb = Buffer.alloc(values.length * 3);
  for (const [i, v] of values.entries()) rgb.set(cmap[v]!, i * 3);
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png({ palette })
    .toFile(file);
  return file;
}

const badInput = (pattern: RegExp) => (err: unknown) =>
  (err as VisiontuneError).code === 'BAD_INPUT' && pattern.test((err as Error).message);

test('VOC colormap: the devkit colours, 255 is the border colour', () => {
  const cmap = vocColormap();
  assert.deepEqual(cmap.slice(0, 4), [
    [0, 0, 0],
    [128, 0, 0],
    [0, 128, 0],
    [128, 128, 0],
  ]);
  assert.deepEqual(cmap[15], [192, 128, 128]);
  assert.deepEqual(cmap[255], [224, 224, 192]);
});

test('index mask: single-channel PNG reads back to its values', async () => {
  const file = await grayPng('index.png', INDICES);
  assert.equal((await sharp(file).metadata()).channels, 1);
  const map = await readMask(file, { mode: 'index', numClasses: 4 });
  assert.equal(map.width, W);
  assert.equal(map.height, H);
  assert.deepEqual([...map.data], INDICES);
});

test('index mask: out-of-range values named with their counts', async () => {
  const file = await grayPng('bad-index.png', [0, 7, 7, 9, 255, 0, 1, 2, 3, 7, 0, 0]);
  await assert.rejects(
    readMask(file, { mode: 'index', numClasses: 4 }),
    badInput(/bad-index\.png: value 7 in 3 pixels, value 9 in 1 pixel outside the 4 classes/),
  );
  // 255 is only allowed as the ignore index.
  await assert.rejects(
    readMask(await grayPng('ignore.png', INDICES), {
      mode: 'index',
      numClasses: 4,
      ignoreIndex: 254,
    }),
    badInput(/value 255 in 2 pixels/),
  );
});

test('index mode refuses a paletted PNG (its indices are lost to colours)', async () => {
  const file = await rgbPng('pal-as-index.png', INDICES, true);
  await assert.rejects(
    readMask(file, { mode: 'index', numClasses: 4 }),
    badInput(/mask mode 'palette'/),
  );
});

for (const paletted of [true, false]) {
  test(`palette mask (${paletted ? 'paletted PNG' : 'RGB PNG'}) reads back to VOC indices`, async () => {
    const file = await rgbPng(`voc-${paletted}.png`, INDICES, paletted);
    assert.equal((await sharp(file).metadata()).isPalette, paletted);
    const map = await readMask(file, { mode: 'palette', numClasses: 4 });
    assert.deepEqual([...map.data], INDICES);
  });
}

test('palette mask: a colour outside the palette, and a class past numClasses, are named', async () => {
  const cmap = vocColormap();
  const rgb = Buffer.alloc(W * H * 3);
  rgb.set([10, 20, 30], 0);
  for (let i = 1; i < W * H; i++) rgb.set(cmap[i === 5 ? 6 : 1]!, i * 3);
  const file = path.join(dir, 'odd-colour.png');
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
  await assert.rejects(
    readMask(file, { mode: 'palette', numClasses: 8 }),
    (err: unknown) =>
      badInput(/odd-colour\.png: 1 colour not in the palette/)(err) &&
      (err as VisiontuneError).details.some((d) => d.includes('colour (10, 20, 30) in 1 pixel')),
  );
  rgb.set(cmap[0]!, 0);
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
  await assert.rejects(
    readMask(file, { mode: 'palette', numClasses: 4 }),
    badInput(/value 6 in 1 pixel/),
  );
});

test('palette mask with a custom palette', async () => {
  const palette = [
    [0, 0, 0],
    [255, 255, 255],
  ] as const;
  const rgb = Buffer.alloc(W * H * 3);
  for (let i = 0; i < W * H; i += 2) rgb.set(palette[1], i * 3);
  const file = path.join(dir, 'custom.png');
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
  const map = await readMask(file, { mode: 'palette', numClasses: 2, palette });
  assert.deepEqual([...map.data], [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
});

test('binary mask: any channel above 127 is 1', async () => {
  const rgb = Buffer.alloc(W * H * 3);
  rgb.set([200, 0, 0], 0); // red: foreground even though its luminance is low
  rgb.set([127, 127, 127], 3);
  rgb.set([128, 128, 128], 6);
  const file = path.join(dir, 'binary.png');
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
  const map = await readMask(file, { mode: 'binary', numClasses: 2 });
  assert.deepEqual([...map.data], [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('an unreadable mask is a user error naming the file', async () => {
  const file = path.join(dir, 'broken.png');
  await fs.writeFile(file, 'not a png');
  await assert.rejects(readMask(file, { mode: 'index', numClasses: 2 }), badInput(/broken\.png/));
});

test('a mask above the pixel limit is refused before decoding', async () => {
  const file = await grayPng('big.png', Array(W * H).fill(1));
  const before = setInputPolicy({ maxPixels: 2 });
  try {
    await assert.rejects(
      readMask(file, { mode: 'index', numClasses: 3 }),
      /big\.png: image too large/,
    );
  } finally {
    setInputPolicy(before);
  }
});
