// A tiny real segmentation data set for tests (not a test itself): PNG images of red and blue
// rectangles on a noisy gray background, each with its index-PNG mask (0 background, 1 red,
// 2 blue) and a classes.txt, in the images/ + masks/ layout users give.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeIndexPng } from '../../report/mask-images.js';
import { Rng } from '../../util/rng.js';
import type { LabelMap } from './types.js';

export const SHAPES_CLASSES = ['background', 'red', 'blue'];
const COLORS: [number, number, number][] = [
  [220, 40, 40],
  [40, 60, 220],
];

/** One image and its mask: up to three rectangles over noise. */
export function drawShapes(width: number, height: number, rng: Rng) {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = 110 + rng.int(40);
  const mask: LabelMap = { data: new Uint8Array(width * height), width, height };
  const count = 1 + rng.int(3);
  for (let k = 0; k < count; k++) {
    const cls = 1 + rng.int(2);
    const w = Math.max(4, Math.round(width * rng.uniform(0.15, 0.45)));
    const h = Math.max(4, Math.round(height * rng.uniform(0.15, 0.45)));
    const x0 = rng.int(width - w);
    const y0 = rng.int(height - h);
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        mask.data[y * width + x] = cls;
        rgb.set(COLORS[cls - 1], (y * width + x) * 3);
      }
    }
  }
  return { rgb, mask };
}

export async function writeRgbPng(file: string, rgb: Uint8Array, width: number, height: number) {
  await sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

export async function makeShapes(
  dir: string,
  options: { images: number; width?: number; height?: number; seed?: number },
): Promise<{ dir: string; images: string[]; masks: string[] }> {
  const width = options.width ?? 64;
  const height = options.height ?? width;
  const rng = new Rng(options.seed ?? 0);
  await fs.mkdir(path.join(dir, 'images'), { recursive: true });
  await fs.mkdir(path.join(dir, 'masks'), { recursive: true });
  await fs.writeFile(path.join(dir, 'classes.txt'), `${SHAPES_CLASSES.join('\n')}\n`);
  const images: string[] = [];
  const masks: string[] = [];
  for (let i = 0; i < options.images; i++) {
    const { rgb, mask } = drawShapes(width, height, rng);
    const name = String(i + 1).padStart(3, '0');
    const image = path.join(dir, 'images', `${name}.png`);
    const maskFile = path.join(dir, 'masks', `${name}.png`);
    await writeRgbPng(image, rgb, width, height);
    await fs.writeFile(maskFile, await encodeIndexPng(mask));
    images.push(image);
    masks.push(maskFile);
  }
  return { dir, images, masks };
}
