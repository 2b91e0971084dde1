import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { inputPolicy, setInputPolicy } from '../guard/index.js';
import { IMAGE_EXTENSIONS, IMAGE_FORMATS, sniffImage, svgReference } from './decode-policy.js';
import {
  encode,
  quadrants,
  RED,
  randomBytes,
  solidAvif,
  svg,
  tempDir,
  WHITE,
} from './test-fixtures.js';

const sniffed = (data: Uint8Array) => {
  const s = sniffImage(data);
  return 'format' in s ? s.format.name : s.reason;
};

test('every format of the table is told by content, and sharp here decodes each', async () => {
  const raw = quadrants(8, 8, [RED, WHITE, WHITE, RED]);
  for (const format of ['jpeg', 'png', 'webp', 'gif', 'tiff'] as const) {
    const bytes = await encode(raw, 8, 8, format);
    const f = IMAGE_FORMATS.find((x) => x.sharp === format)!;
    assert.equal(sniffed(bytes), f.name);
  }
  assert.equal(sniffed(await solidAvif(RED)), 'AVIF');
  for (const f of IMAGE_FORMATS) {
    const input = sharp.format[f.sharp as keyof typeof sharp.format]?.input;
    assert.ok(input?.buffer, `sharp here cannot decode ${f.name} from memory`);
  }
});

test('extensions come from the table (SVG included, so an SVG file is reported, not passed over)', () => {
  for (const ext of ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.svg'])
    assert.ok(IMAGE_EXTENSIONS.has(ext), ext);
  assert.ok(!IMAGE_EXTENSIONS.has('.txt'));
});

test('refusals: empty, unknown bytes, gzip (svgz), HEIC, and SVG (whatever the name) unless allowed', () => {
  assert.match(sniffed(new Uint8Array()), /empty file/);
  assert.match(sniffed(randomBytes(64)), /not a supported image/);
  assert.match(sniffed(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])), /gzip/);
  const heic = Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1');
  assert.match(sniffed(heic), /brand 'heic' \(HEIC, video\) is not supported/);
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\n  '), svg()]);
  for (const bytes of [svg(), withBom]) assert.match(sniffed(bytes), /SVG .*--allow-svg/);
  const before = setInputPolicy({ ...inputPolicy(), allowSvg: true });
  try {
    assert.equal(sniffed(svg()), 'SVG');
  } finally {
    setInputPolicy(before);
  }
});

test('svgReference: only fragments and data: URLs pass', () => {
  const svgText = (extra: string) => svg('red', extra).toString();
  assert.equal(
    svgReference(svgText('<use href="#a"/><image href="data:image/png;base64,AA"/>')),
    null,
  );
  assert.equal(svgReference(svgText('<rect style="fill:url(#g)"/>')), null);
  for (const [extra, why] of [
    ['<image href="/etc/passwd"/>', /references '\/etc\/passwd'/],
    ["<image xlink:href='http://example.com/x.png'/>", /references 'http/],
    ['<image a:href="x.png" xmlns:a="http://www.w3.org/1999/xlink"/>', /references 'x\.png'/],
    ['<image href="&#102;ile:///etc/passwd"/>', /references '&#102;ile/],
    ['<script src="x.js"/>', /references 'x\.js'/],
    ['<rect style="fill:url( \'other.svg#p\' )"/>', /references 'other\.svg#p'/],
    ['<style>@import "x.css";</style>', /imports a style sheet/],
    [
      '<xi:include href="/etc/hostname" parse="text" xmlns:xi="http://www.w3.org/2001/XInclude"/>',
      /references '\/etc\/hostname'/,
    ],
  ] as const) {
    assert.match(svgReference(svgText(extra)) ?? 'null', why, extra);
  }
  assert.match(svgReference('<!DOCTYPE svg SYSTEM "x.dtd"><svg/>') ?? '', /external DTD/);
  assert.match(
    svgReference('<?xml version="1.0" encoding="UTF-7"?><svg/>') ?? '',
    /encoding other than UTF-8/,
  );
  assert.equal(svgReference('<?xml version="1.0" encoding="utf-8"?><svg/>'), null);
  assert.match(svgReference(svgText('<rect style="fill:u\\72l(x.svg)"/>')) ?? '', /CSS escapes/);
  assert.match(
    svgReference('<!DOCTYPE svg [<!ENTITY a "b">]><svg/>') ?? '',
    /declares XML entities/,
  );
});

test('second layer: an SVG rendered from memory loads nothing it references', async (t) => {
  // Should a reference slip past svgReference, librsvg still has no base location to resolve
  // it against: the image stays as drawn and the file is not read.
  const dir = await tempDir(t);
  const png = join(dir, 'green.png');
  await writeFile(png, await encode(Buffer.alloc(8 * 8 * 3).fill(0), 8, 8, 'png'));
  for (const href of [png, `file://${png}`, 'green.png']) {
    const markup = `<image href="${href}" width="8" height="8"/>`;
    const { data } = await sharp(svg('red', markup)).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([...data.subarray(0, 3)], [255, 0, 0], href);
  }
});
