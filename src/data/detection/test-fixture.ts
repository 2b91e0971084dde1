// A tiny real detection data set for tests (not a test itself): PNG images of colored squares
// (class 'red', 'blue') on a noisy gray background, written with sharp, with a COCO JSON file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../util/rng.js';

export const FIXTURE_CLASSES = ['red', 'blue'];
const COLORS: [number, number, number][] = [
  [220, 40, 40],
  [40, 60, 220],
];

export interface SquaresFixture {
  annotationFile: string;
  imagesDir: string;
  files: string[];
}

export async function makeSquares(
  dir: string,
  options: { images: number; size?: number; seed?: number },
): Promise<SquaresFixture> {
  const size = options.size ?? 64;
  const rng = new Rng(options.seed ?? 0);
  const imagesDir = path.join(dir, 'images');
  await fs.mkdir(imagesDir, { recursive: true });
  const images: object[] = [];
  const annotations: object[] = [];
  const files: string[] = [];
  for (let i = 0; i < options.images; i++) {
    const data = new Uint8Array(size * size * 3);
    for (let k = 0; k < data.length; k++) data[k] = 110 + rng.int(40);
    const count = i % 7 === 6 ? 0 : 1 + rng.int(2); // every 7th image is a negative
    for (let n = 0; n < count; n++) {
      const category = rng.int(2);
      const side = Math.round(rng.uniform(size * 0.2, size * 0.45));
      const x = rng.int(size - side);
      const y = rng.int(size - side);
      for (let r = y; r < y + side; r++)
        for (let c = x; c < x + side; c++) data.set(COLORS[category], (r * size + c) * 3);
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: category + 1,
        bbox: [x, y, side, side],
        area: side * side,
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
  const annotationFile = path.join(dir, 'boxes.json');
  await fs.writeFile(
    annotationFile,
    JSON.stringify({
      images,
      annotations,
      categories: FIXTURE_CLASSES.map((name, i) => ({ id: i + 1, name })),
    }),
  );
  return { annotationFile, imagesDir, files };
}
