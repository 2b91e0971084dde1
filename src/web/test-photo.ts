// Test helper (not a test): a photo-like JPEG (smooth gradients, shapes with hard edges, fine
// texture and sensor-like noise), so resizing and JPEG decoding are exercised as on real photos.
import sharp from 'sharp';
import { Rng } from '../util/rng.js';

/** RGB pixels of a `width` × `height` photo-like scene drawn from `seed`. */
export function photoPixels(width: number, height: number, seed: number): Buffer {
  const rng = new Rng(seed);
  const blobs = Array.from({ length: 6 }, () => ({
    x: rng.uniform(0, width),
    y: rng.uniform(0, height),
    r: rng.uniform(0.05, 0.25) * width,
    color: [rng.int(256), rng.int(256), rng.int(256)],
  }));
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sky = [80 + (120 * y) / height, 120 + (60 * x) / width, 200 - (100 * y) / height];
      let c = sky;
      for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) c = b.color;
      const texture = 12 * Math.sin(x * 0.7) * Math.cos(y * 0.45);
      for (let k = 0; k < 3; k++) {
        const v = c[k]! + texture + rng.normal() * 6;
        raw[(y * width + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return raw;
}

/** The scene as a JPEG file (sharp's defaults: quality 80, 4:2:0 chroma). */
export async function writePhotoJpeg(file: string, width: number, height: number, seed: number) {
  await sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .jpeg()
    .toFile(file);
}
