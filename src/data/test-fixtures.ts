// Test helpers: real image files written with sharp into temp folders.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
