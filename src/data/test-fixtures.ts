// Test helpers: real image files written with sharp into temp folders.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

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
