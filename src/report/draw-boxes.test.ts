import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { boxesSvg, categoryColor, drawBoxes, escapeXml, tagText } from './draw-boxes.js';

const GRAY = 128;

async function grayImage(width: number, height: number, channels: 1 | 3 = 3): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * channels, GRAY);
  return sharp(raw, { raw: { width, height, channels } }).png().toBuffer();
}

async function decode(bytes: Buffer) {
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): [number, number, number] => {
    const i = (y * info.width + x) * info.channels;
    return [data[i], data[i + 1], data[i + 2]];
  };
  const sum = () => data.reduce((a, v) => a + v, 0);
  return { info, at, sum };
}

const hex = (c: string): [number, number, number] => [
  Number.parseInt(c.slice(1, 3), 16),
  Number.parseInt(c.slice(3, 5), 16),
  Number.parseInt(c.slice(5, 7), 16),
];

function near(actual: readonly number[], expected: readonly number[], tol = 3): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]) <= tol);
}

test('categoryColor: fixed, distinct for the first ten, wraps, tolerates odd indices', () => {
  const first = Array.from({ length: 10 }, (_, i) => categoryColor(i));
  assert.equal(new Set(first).size, 10);
  for (const c of first) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(categoryColor(10), categoryColor(0));
  assert.equal(categoryColor(-1), categoryColor(9));
  assert.equal(categoryColor(Number.NaN), categoryColor(0));
});

test('tagText: label and score with two decimals', () => {
  assert.equal(tagText({ label: 'cat', score: 0.8712 }), 'cat 0.87');
  assert.equal(tagText({ label: 'cat' }), 'cat');
  assert.equal(tagText({ label: '', score: 0.5 }), '0.50');
  assert.equal(tagText({ label: 'cat', score: Number.NaN }), 'cat');
});

test('drawBoxes: the outline has the box colour, inside and outside keep the image', async () => {
  const color = categoryColor(2);
  const png = await drawBoxes(
    await grayImage(160, 120),
    [{ bbox: [40, 40, 80, 60], label: '', color }],
    { format: 'png' },
  );
  const img = await decode(png);
  assert.deepEqual([img.info.width, img.info.height], [160, 120]);
  const rgb = hex(color);
  // Edges of the box: left, right, top, bottom (the stroke lies inside the box).
  for (const [x, y] of [
    [40, 70],
    [119, 70],
    [80, 40],
    [80, 99],
    [41, 41],
  ] as const) {
    assert.ok(near(img.at(x, y), rgb), `outline at ${x},${y}: ${img.at(x, y)}`);
  }
  // Well inside and well outside: untouched gray.
  for (const [x, y] of [
    [80, 70],
    [60, 60],
    [10, 10],
    [150, 110],
    [35, 70],
  ] as const) {
    assert.ok(near(img.at(x, y), [GRAY, GRAY, GRAY]), `untouched at ${x},${y}: ${img.at(x, y)}`);
  }
});

test('drawBoxes: text renders as glyphs (needs a system font, e.g. fonts-dejavu-core)', async () => {
  const gray = await grayImage(200, 120);
  const draw = async (label: string) => {
    const png = await drawBoxes(gray, [{ bbox: [20, 50, 150, 60], label }], { format: 'png' });
    return (await decode(png)).sum();
  };
  const none = await draw('');
  const thin = await draw('iiii');
  const wide = await draw('WWWW');
  // Same tag size (same length), different glyphs: missing fonts would draw identical boxes.
  assert.notEqual(thin, wide);
  assert.ok(wide > thin, 'white W glyphs cover more of the tag than i glyphs');
  assert.notEqual(none, thin);
});

test('drawBoxes: markup in a label is escaped, not parsed', async () => {
  const svg = boxesSvg(100, 100, [
    { bbox: [10, 30, 50, 50], label: '<&> "x" \'y\'\u0001', color: '"red' },
  ]);
  assert.ok(svg.includes('&lt;&amp;&gt; &quot;x&quot; &apos;y&apos;</text>'));
  assert.ok(!svg.includes('\u0001'));
  assert.ok(svg.includes('stroke="&quot;red"'));
  assert.equal(escapeXml('a<b>&c'), 'a&lt;b&gt;&amp;c');
  // librsvg accepts the overlay: the box and tag are drawn.
  const out = await drawBoxes(
    await grayImage(100, 100),
    [{ bbox: [10, 30, 50, 50], label: '<&> </text><script>', score: 0.5, color: '#ff0000' }],
    { format: 'png' },
  );
  const img = await decode(out);
  assert.ok(near(img.at(10, 60), [255, 0, 0]));
});

test('drawBoxes: maxSide shrinks the image and the boxes with it', async () => {
  const color = '#00ff00';
  const out = await drawBoxes(
    await grayImage(400, 200),
    [{ bbox: [100, 80, 200, 100], label: '', color }],
    { format: 'png', maxSide: 200 },
  );
  const img = await decode(out);
  assert.deepEqual([img.info.width, img.info.height], [200, 100]);
  // Box now [50, 40, 100, 50].
  assert.ok(near(img.at(50, 60), hex(color)), `left edge: ${img.at(50, 60)}`);
  assert.ok(near(img.at(149, 60), hex(color)), `right edge: ${img.at(149, 60)}`);
  assert.ok(near(img.at(100, 65), [GRAY, GRAY, GRAY]));
  assert.ok(near(img.at(20, 60), [GRAY, GRAY, GRAY]));
  // Never enlarged.
  const small = await decode(await drawBoxes(await grayImage(64, 32), [], { maxSide: 200 }));
  assert.deepEqual([small.info.width, small.info.height], [64, 32]);
});

test('drawBoxes: minSide enlarges a small image and its boxes', async () => {
  const color = '#00ff00';
  const out = await drawBoxes(
    await grayImage(64, 32),
    [{ bbox: [16, 8, 32, 16], label: '', color }],
    { format: 'png', minSide: 256 },
  );
  const img = await decode(out);
  assert.deepEqual([img.info.width, img.info.height], [256, 128]);
  // Box now [64, 32, 128, 64].
  assert.ok(near(img.at(64, 60), hex(color)), `left edge: ${img.at(64, 60)}`);
  assert.ok(near(img.at(191, 60), hex(color)), `right edge: ${img.at(191, 60)}`);
  assert.ok(near(img.at(128, 64), [GRAY, GRAY, GRAY]));
});

test('drawBoxes: JPEG by default, reads a file path, colours a grayscale image', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vt-boxes-'));
  try {
    const file = path.join(dir, 'gray.png');
    await writeFile(file, await grayImage(80, 60, 1));
    const out = await drawBoxes(file, [
      { bbox: [10, 10, 40, 30], label: 'x', color: '#0000ff', dashed: true },
    ]);
    assert.equal((await sharp(out).metadata()).format, 'jpeg');
    const img = await decode(out);
    assert.deepEqual([img.info.width, img.info.height, img.info.channels], [80, 60, 3]);
    // Dashes start at the corner; JPEG blurs a little, so a loose tolerance.
    assert.ok(near(img.at(12, 10), [0, 0, 255], 60), `corner: ${img.at(12, 10)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
