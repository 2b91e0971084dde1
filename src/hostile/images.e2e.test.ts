// Hostile image inputs and classification data sources (issue 21). Format cases run at the
// decoder (fast); what needs the command line runs the real `visiontune`: a class folder full of
// traps (FIFO, link loop, broken link, links leaving the root, SVG disguised as JPEG, a PNG that
// claims 10^10 pixels), manifests naming files outside their folder, one-class data, a huge
// --image-size, SVG with --allow-svg, and file names that are not valid UTF-8.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_ARGV, type CliRun } from '../cli/run-cli.js';
import { SharpDecoder } from '../data/decode-sharp.js';
import {
  animatedGif,
  BLUE,
  cmykJpeg,
  encode,
  GREEN,
  png16,
  pngClaiming,
  quadrants,
  RED,
  randomBytes,
  rotatedJpeg,
  solidAvif,
  solidJpeg,
  svg,
  truncatedJpeg,
  WHITE,
  writeColorFolder,
} from '../data/test-fixtures.js';
import type { DecodedImage } from '../data/types.js';
import { inputPolicy, setInputPolicy } from '../guard/index.js';
import { assertRefused, type HostileRoot, hostileRoot, vt } from './harness.js';

const decoder = new SharpDecoder();
const pixel = (img: DecodedImage, x: number, y: number) => {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
};
const near = (got: number[], want: number[], tol = 40) =>
  assert.ok(
    got.every((v, c) => Math.abs(v - want[c]!) <= tol),
    `got ${got}, expected ${want} ±${tol}`,
  );

/** Decodes `bytes` (named `id`) or returns the refusal's message. */
async function decodeOrReason(bytes: Uint8Array, id = 'x.img'): Promise<DecodedImage | string> {
  return decoder.decode(bytes, id).catch((err: Error) => err.message);
}

/** Runs `fn` under a policy, restoring the one in force before. */
async function withPolicy<T>(
  policy: Parameters<typeof setInputPolicy>[0],
  fn: () => Promise<T>,
): Promise<T> {
  const before = setInputPolicy({ ...inputPolicy(), ...policy });
  try {
    return await fn();
  } finally {
    setInputPolicy(before);
  }
}

describe('decoder: odd and broken image files', () => {
  test('truncated, zero-byte and random-bytes files are refused naming the file', async () => {
    for (const [bytes, reason] of [
      [await truncatedJpeg(), /truncated image data/],
      [new Uint8Array(), /empty file \(0 bytes\)/],
      [randomBytes(300), /not a supported image/],
    ] as const) {
      const got = await decodeOrReason(bytes, 'cat/bad.jpg');
      assert.equal(typeof got, 'string');
      assert.match(got as string, /^Cannot decode image cat\/bad\.jpg: /);
      assert.match(got as string, reason);
    }
  });

  test('CMYK JPEG and 16-bit PNG decode to 8-bit RGB of the right colour', async () => {
    const cmyk = (await decoder.decode(await cmykJpeg(RED), 'cmyk.jpg')) as DecodedImage;
    near(pixel(cmyk, 4, 4), RED);
    const deep = await decoder.decode(await png16(GREEN), 'deep.png');
    assert.deepEqual(pixel(deep, 4, 4), GREEN);
    assert.equal(deep.data.length, 8 * 8 * 3);
  });

  test('animated GIF decodes its first frame only', async () => {
    const img = await decoder.decode(await animatedGif([RED, BLUE, GREEN]), 'anim.gif');
    assert.deepEqual([img.width, img.height], [8, 8]);
    assert.deepEqual(pixel(img, 4, 4), RED);
  });

  test('TIFF, WebP and AVIF decode', async () => {
    const q = quadrants(16, 16, [RED, GREEN, BLUE, WHITE]);
    for (const format of ['tiff', 'webp'] as const) {
      const img = await decoder.decode(await encode(q, 16, 16, format), `x.${format}`);
      near(pixel(img, 12, 3), GREEN);
    }
    const avif = await decoder.decode(await solidAvif(BLUE), 'x.avif');
    near(pixel(avif, 4, 4), BLUE);
  });

  test('EXIF orientation is applied: width and height swap, pixels turn', async () => {
    // Stored 16×8, top half red, bottom half blue; orientation 6 turns it 90° clockwise, so the
    // bottom (blue) half ends up on the left.
    const img = await decoder.decode(await rotatedJpeg(16, 8), 'turned.jpg');
    assert.deepEqual([img.width, img.height], [8, 16]);
    near(pixel(img, 1, 8), BLUE);
    near(pixel(img, 6, 8), RED);
  });

  test('1×1 image decodes', async () => {
    const img = await decoder.decode(await solidJpeg(RED, 1), 'dot.jpg');
    assert.deepEqual([img.width, img.height], [1, 1]);
    near(pixel(img, 0, 0), RED);
  });

  test('SVG is refused by content (even named .jpg) unless allowed; allowed SVG renders', async () => {
    const refused = await decodeOrReason(svg(), 'vector.jpg');
    assert.match(refused as string, /vector\.jpg: SVG .*refused .*--allow-svg/);
    const img = await withPolicy({ allowSvg: true }, () => decoder.decode(svg('red'), 'v.svg'));
    assert.deepEqual([img.width, img.height, ...pixel(img, 4, 4)], [8, 8, 255, 0, 0]);
  });

  test('an allowed SVG referencing a file is refused without reading it', async (t) => {
    const h = await hostileRoot();
    t.after(() => h.cleanup());
    const png = await h.canary('pixel.png', await solidJpeg(GREEN));
    for (const extra of [
      `<image href="${png}" width="8" height="8"/>`,
      `<image xlink:href="file://${png}" width="8" height="8"/>`,
      `<image q:href="${png}" xmlns:q="http://www.w3.org/1999/xlink" width="8" height="8"/>`,
      `<rect width="8" height="8" style="fill:url(${png})"/>`,
      '<style>@import url(x.css);</style>',
    ]) {
      const got = await withPolicy({ allowSvg: true }, () => decodeOrReason(svg('red', extra)));
      assert.match(got as string, /SVG refused: it (references|imports)/, extra);
    }
    const entity = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "${png}">]>${svg('red', '<text>&x;</text>')}`;
    const got = await withPolicy({ allowSvg: true }, () => decodeOrReason(Buffer.from(entity)));
    assert.match(got as string, /SVG refused: it declares XML entities/);
    // Internal references render.
    const inner = svg(
      'red',
      '<defs><rect id="r" width="8" height="8" fill="blue"/></defs><use href="#r"/>',
    );
    const img = await withPolicy({ allowSvg: true }, () => decoder.decode(inner, 'use.svg'));
    assert.deepEqual(pixel(img, 4, 4), BLUE);
    await h.assertUntouched();
  });

  test('pixel limit: a header claiming 10^10 pixels, and --max-pixels lowered', async () => {
    const huge = await decodeOrReason(pngClaiming(100000, 100000), 'bomb.png');
    assert.match(
      huge as string,
      /bomb\.png: image too large: 100000×100000 = 10,000,000,000 pixels, above the limit of .* \(raise it with --max-pixels\)/,
    );
    assert.match((await decoder.probe(pngClaiming(100000, 100000)))!, /image too large/);
    const limited = await withPolicy({ maxPixels: 63 }, async () =>
      decodeOrReason(await solidJpeg(RED, 8), 'eight.jpg'),
    );
    assert.match(
      limited as string,
      /eight\.jpg: image too large: 8×8 = 64 pixels, above the limit of 63/,
    );
  });
});

/** `visiontune train` of resnet_tiny on `data` into `out`, with `extra` options. */
const train = (data: string, out: string, ...extra: string[]): Promise<CliRun> =>
  vt('train', '--data', data, '--backbone', 'resnet_tiny', '--out', out, ...extra);

const LATIN1_NAME = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // 'café' in Latin-1: not UTF-8

/** `visiontune predict` with one argument given as raw bytes, as a shell passes them. */
function predictRawArg(model: string, dir: string, rawName: Buffer): Promise<CliRun> {
  const octal = [...rawName].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const script = `exec "${process.execPath}" ${CLI_ARGV.map((a) => `"${a}"`).join(' ')} predict --model "$1" "$1/../$2/$(printf '${octal}').png"`;
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', script, 'sh', model, path.relative(path.join(model, '..'), dir)],
      { env: { ...process.env, VISIONTUNE_BACKEND: 'wasm' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('command line: hostile class folders, manifests and options', () => {
  let h: HostileRoot;
  let model: string;
  const colors = () => path.join(h.data, 'colors');
  const latin1File = () =>
    Buffer.concat([Buffer.from(`${colors()}/red/`), LATIN1_NAME, Buffer.from('.png')]);

  before(async () => {
    h = await hostileRoot();
    await writeColorFolder(colors(), 3);
    await writeFile(latin1File(), await solidJpeg(RED, 16));
    model = path.join(h.root, 'model');
  });
  after(() => h.cleanup());

  test('non-UTF-8 file names: train reads them and predict finds them (folder and argument)', async () => {
    const trained = await train(colors(), model, '--image-size', '32', '--epochs', '1');
    assert.equal(trained.code, 0, trained.stderr);
    // 3 classes × 3 images plus the Latin-1 one: all ten are used.
    const counts = /3 classes; (\d+) train \/ (\d+) val/.exec(trained.stderr + trained.stdout);
    assert.ok(counts, trained.stdout);
    const [, tr, va] = counts;
    assert.equal(Number(tr) + Number(va), 10);
    const shown = `caf\uFFFD.png`;
    const folder = await vt(
      'predict',
      '--model',
      path.join(model, 'bundle'),
      path.join(colors(), 'red'),
    );
    assert.equal(folder.code, 0, folder.stderr);
    assert.ok(folder.stdout.includes(shown), folder.stdout);
    const named = await predictRawArg(
      path.join(model, 'bundle'),
      path.join(colors(), 'red'),
      LATIN1_NAME,
    );
    assert.equal(named.code, 0, named.stderr);
    assert.ok(named.stdout.includes(shown), named.stdout);
  });

  test('a class folder of traps: every one reported by train and predict, nothing outside read', {
    timeout: 60_000,
  }, async () => {
    const zoo = path.join(h.data, 'zoo');
    await writeColorFolder(zoo, 2);
    const red = path.join(zoo, 'red');
    const green = path.join(zoo, 'green');
    const blue = path.join(zoo, 'blue');
    execFileSync('mkfifo', [path.join(red, 'pipe.png')]);
    await symlink('.', path.join(red, 'loop'));
    await symlink('nowhere.png', path.join(green, 'broken.png'));
    await symlink(path.join(h.outside, 'secret.txt'), path.join(green, 'outside.png'));
    await symlink(path.join(h.outside, 'missing.png'), path.join(green, 'outside-missing.png'));
    await symlink(h.outside, path.join(green, 'outdir'));
    await writeFile(path.join(blue, 'empty.jpg'), '');
    await writeFile(path.join(blue, 'random.jpg'), randomBytes(500));
    await writeFile(path.join(blue, 'vector.jpg'), svg());
    await writeFile(path.join(blue, 'bomb.png'), pngClaiming(100000, 100000));
    await writeFile(path.join(blue, 'locked.png'), await solidJpeg(BLUE));
    await chmod(path.join(blue, 'locked.png'), 0);

    const expected: [string, RegExp][] = [
      ['red/pipe.png', /FIFO \(named pipe\), not a regular file/],
      ['red/loop', /symbolic link loop/],
      ['green/broken.png', /broken symbolic link/],
      ['green/outside.png', /'green\/outside\.png' is outside .* --allow-outside-root/],
      [
        'green/outside-missing.png',
        /'green\/outside-missing\.png' is outside .* --allow-outside-root/,
      ],
      ['green/outdir', /'green\/outdir' is outside .* --allow-outside-root/],
      ['blue/empty.jpg', /empty file \(0 bytes\)/],
      ['blue/random.jpg', /not a supported image/],
      ['blue/vector.jpg', /SVG .*refused .*--allow-svg/],
      ['blue/bomb.png', /100000×100000 = 10,000,000,000 pixels, above the limit .*--max-pixels/],
    ];
    // Root reads any file whatever its mode; the permission check only shows for other users.
    if (process.getuid?.() !== 0) expected.push(['blue/locked.png', /permission denied/]);

    const trained = await train(zoo, path.join(h.root, 'zoo-run'));
    const predict = await vt('predict', '--model', path.join(model, 'bundle'), zoo);
    for (const run of [trained, predict]) {
      assertRefused(run, 2);
      for (const [entry, reason] of expected) {
        const line = run.stderr.split('\n').find((l) => l.includes(`${path.join(zoo, entry)}:`));
        assert.ok(line, `${entry} not reported:\n${run.stderr}`);
        assert.match(line, reason);
      }
    }
    await h.assertUntouched(trained, predict);
  });

  test('manifest rows outside the manifest folder: refused alike whether the file exists', async () => {
    const dir = path.join(h.data, 'listed');
    await mkdir(path.join(dir, 'img'), { recursive: true });
    await writeFile(path.join(dir, 'img', 'a.png'), await solidJpeg(RED));
    await writeFile(path.join(dir, 'img', 'b.png'), await solidJpeg(BLUE));
    const secret = path.join(h.outside, 'secret.txt');
    const rows = [
      '../../outside/secret.txt',
      '../../outside/no-such.png',
      secret,
      path.join(h.outside, 'no-such.png'),
    ];
    const manifest = path.join(dir, 'list.csv');
    await writeFile(
      manifest,
      ['path,label', 'img/a.png,red', 'img/b.png,blue', ...rows.map((r) => `${r},red`)].join('\n'),
    );
    const run = await train(manifest, path.join(h.root, 'listed-run'));
    assertRefused(run, 2, '4 bad inputs');
    const lines = rows.map((row, i) => {
      const line = run.stderr.split('\n').find((l) => l.includes(`list.csv line ${i + 4}:`));
      assert.ok(line, `row ${row} not reported:\n${run.stderr}`);
      return line.replace(row, '<entry>').replace(`line ${i + 4}`, 'line N');
    });
    assert.match(lines[0]!, /'<entry>' is outside .*--allow-outside-root/);
    assert.deepEqual(new Set(lines).size, 1, `messages differ:\n${lines.join('\n')}`);
    await h.assertUntouched(run);
  });

  test('SVG with --allow-svg: a plain one is classified, one referencing a file is refused', async () => {
    const dir = path.join(h.data, 'vectors');
    await mkdir(dir);
    await writeFile(path.join(dir, 'plain.svg'), svg('red'));
    const png = await h.canary('pixel.png', await solidJpeg(GREEN));
    await writeFile(
      path.join(dir, 'linked.svg'),
      svg('red', `<image href="${png}" width="8" height="8"/>`),
    );
    const run = await vt(
      'predict',
      '--model',
      path.join(model, 'bundle'),
      '--allow-svg',
      '--skip-bad',
      dir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /plain\.svg\t/);
    assert.match(run.stdout + run.stderr, /linked\.svg: SVG refused: it references/);
    await h.assertUntouched(run);
  });

  test('one-class data is refused (exit 2) by every strategy', async () => {
    const one = path.join(h.data, 'one');
    await mkdir(path.join(one, 'cat'), { recursive: true });
    for (let i = 0; i < 4; i++)
      await writeFile(path.join(one, 'cat', `${i}.jpg`), await solidJpeg(RED));
    for (const strategy of ['linear', 'finetune', 'scratch']) {
      const run = await train(one, path.join(h.root, `one-${strategy}`), '--strategy', strategy);
      assertRefused(run, 2, "1 class ('cat')", 'at least 2 classes');
    }
  });

  test('--image-size 100000 is a usage error naming the flag and the bound', async () => {
    const run = await train(colors(), path.join(h.root, 'huge'), '--image-size', '100000');
    assertRefused(run, 2, '--image-size', 'at most 2048');
  });
});
