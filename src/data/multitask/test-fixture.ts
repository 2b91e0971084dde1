// A tiny real multi-task data set for tests (not a test itself): PNG images (written with sharp)
// of up to two flat red/blue rectangles on flat gray, kept apart, and one COCO file giving each
// rectangle as a box and as a polygon, so the same images feed a detection and a segmentation
// task. Flat colours make every pixel's class readable from its colour after augmentation.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../util/rng.js';

export const CATEGORIES = ['red', 'blue'];
export const COLORS: [number, number, number][] = [
  [220, 40, 40],
  [40, 60, 220],
];
export const GRAY = 100;

export interface SharedCoco {
  annotationFile: string;
  imagesDir: string;
  files: string[];
}

/** Writes `images` PNGs of `size` px (every 5th a negative) and their COCO file. */
export async function makeSharedCoco(
  dir: string,
  options: { images: number; size?: number; seed?: number; name?: string },
): Promise<SharedCoco> {
  const size = options.size ?? 16;
  const half = size / 2;
  const rng = new Rng(options.seed ?? 0);
  const imagesDir = path.join(dir, 'images');
  await fs.mkdir(imagesDir, { recursive: true });
  const images: object[] = [];
  const annotations: object[] = [];
  const files: string[] = [];
  for (let i = 0; i < options.images; i++) {
    const data = new Uint8Array(size * size * 3).fill(GRAY);
    const count = i % 5 === 4 ? 0 : 1 + rng.int(2);
    for (let n = 0; n < count; n++) {
      // One rectangle per half, 2 px clear of the middle: rectangles never touch.
      const category = rng.int(2);
      const w = 2 + rng.int(half - 3);
      const h = 2 + rng.int(size - 4);
      const x = n * half + rng.int(half - 1 - w);
      const y = rng.int(size - h);
      for (let r = y; r < y + h; r++)
        for (let c = x; c < x + w; c++) data.set(COLORS[category]!, (r * size + c) * 3);
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: category + 1,
        bbox: [x, y, w, h],
        segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]],
        area: w * h,
        iscrowd: 0,
      });
    }
    const name = `img${String(i).padStart(3, '0')}.png`;
    await sharp(data, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(path.join(imagesDir, name));
    images.push({ id: i + 1, file_name: `images/${name}`, width: size, height: size });
    files.push(path.join(imagesDir, name));
  }
  const annotationFile = path.join(dir, options.name ?? 'shared.json');
  await fs.writeFile(
    annotationFile,
    JSON.stringify({
      images,
      annotations,
      categories: CATEGORIES.map((name, i) => ({ id: i + 1, name })),
    }),
  );
  return { annotationFile, imagesDir, files };
}

/** The class a pixel's colour says: 0 gray, 1 red, 2 blue, -1 anything else (padding). */
export function classOfColor(r: number, g: number, b: number): number {
  if (r === GRAY && g === GRAY && b === GRAY) return 0;
  const k = COLORS.findIndex(([cr, cg, cb]) => cr === r && cg === g && cb === b);
  return k >= 0 ? k + 1 : -1;
}
