// Test helpers: real image files written with sharp into temp folders.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { Rng } from '../util/rng.js';

export type Rgb = [number, number, number];

export const RED: Rgb = [255, 0, 0];
export const GREEN: Rgb = [0, 255, 0];
export const BLUE: Rgb = [0, 0, 255];
export const WHITE: Rgb = [255, 255, 255];

/** Raw RGB with four solid quadrants: top-left, top-right, bottom-left, bottom-right. */
export function quadrants(width: number, height: number, q: [Rgb, Rgb, Rgb, Rgb]): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      buf.set(q[k]!, (y * width + x) * 3);
    }
  }
  return buf;
}

export type Format = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff';

export async function encode(
  raw: Buffer,
  width: number,
  height: number,
  format: Format,
  channels: 1 | 3 | 4 = 3,
) {
  const img = sharp(raw, { raw: { width, height, channels } });
  switch (format) {
    case 'jpeg':
      return img.jpeg({ quality: 95 }).toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: 95 }).toBuffer();
    case 'gif':
      return img.gif().toBuffer();
    case 'tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer();
  }
}

/** A small solid-color JPEG. */
export async function solidJpeg(rgb: Rgb, size = 8): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < raw.length; i += 3) raw.set(rgb, i);
  return encode(raw, size, size, 'jpeg');
}

/** A real JPEG with the second half of its bytes cut off. */
export async function truncatedJpeg(): Promise<Buffer> {
  const raw = quadrants(64, 64, [RED, GREEN, BLUE, WHITE]);
  for (let i = 0; i < raw.length; i++) raw[i] = (raw[i]! + i * 7) & 255;
  const full = await encode(raw, 64, 64, 'jpeg');
  return full.subarray(0, full.length >> 1);
}

export function randomBytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

export async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vt-data-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function put(path: string, data: Buffer | string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/**
 * A small real image folder for CLI runs: root/[split/]{red,green,blue}/<i>.png, noisy images
 * whose class is the dominant channel. `counts` is images per class, per split when an object.
 */
export async function writeColorFolder(
  root: string,
  counts: number | Record<string, number>,
  options: { seed?: number; size?: number } = {},
): Promise<void> {
  const rng = new Rng(options.seed ?? 9);
  const size = options.size ?? 16;
  const splits = typeof counts === 'number' ? { '': counts } : counts;
  for (const [split, n] of Object.entries(splits)) {
    for (const [c, name] of ['red', 'green', 'blue'].entries()) {
      const folder = join(root, split, name);
      await mkdir(folder, { recursive: true });
      for (let i = 0; i < n; i++) {
        const raw = Buffer.alloc(size * size * 3);
        for (let p = 0; p < size * size; p++)
          for (let k = 0; k < 3; k++) raw[p * 3 + k] = rng.int(110) + (k === c ? 120 : 0);
        await writeFile(join(folder, `${i}.png`), await encode(raw, size, size, 'png'));
      }
    }
  }
}

// Hostile and unusual image files (decode-policy tests and the hostile-input suite).

/** A raw RGB image of one colour. */
function solidRaw(rgb: Rgb, width: number, height: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 3) raw.set(rgb, i);
  return raw;
}

/** A solid-colour JPEG stored as CMYK. */
export function cmykJpeg(rgb: Rgb, size = 8): Promise<Buffer> {
  return sharp(solidRaw(rgb, size, size), { raw: { width: size, height: size, channels: 3 } })
    .toColourspace('cmyk')
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** A solid-colour PNG with 16 bits per channel. */
export function png16(rgb: Rgb, size = 8): Promise<Buffer> {
  return sharp(solidRaw(rgb, size, size), { raw: { width: size, height: size, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

/** An animated GIF whose frames are the given colours, in order. */
export function animatedGif(frames: Rgb[], size = 8): Promise<Buffer> {
  const raw = Buffer.concat(frames.map((c) => solidRaw(c, size, size)));
  const height = size * frames.length;
  return sharp(raw, { raw: { width: size, height, channels: 3, pageHeight: size } })
    .gif()
    .toBuffer();
}

/** A solid-colour AVIF. */
export function solidAvif(rgb: Rgb, size = 8): Promise<Buffer> {
  return sharp(solidRaw(rgb, size, size), { raw: { width: size, height: size, channels: 3 } })
    .avif({ quality: 90 })
    .toBuffer();
}

/** A JPEG stored `width`×`height` with top half red, bottom half blue, and EXIF orientation 6. */
export function rotatedJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(quadrants(width, height, [RED, RED, BLUE, BLUE]), {
    raw: { width, height, channels: 3 },
  })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A PNG chunk: length, type, data and CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A tiny PNG whose header claims `width`×`height` pixels (no pixel data follows). */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(16))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An 8×8 SVG square of `fill`, with `extra` markup inside the root element. */
export function svg(fill = 'red', extra = ''): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8"><rect width="8" height="8" fill="${fill}"/>${extra}</svg>`,
  );
}
