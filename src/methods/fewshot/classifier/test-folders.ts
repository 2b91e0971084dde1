// Test helpers (not a test): real PNG class folders written with sharp. Each class is a random
// four-quadrant colour pattern; its images add per-pixel noise, so classes are clearly apart
// while no two images are the same. `noise` images are pure random pixels.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../../util/rng.js';

const SIDE = 40;

async function writePng(file: string, raw: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } })
    .png()
    .toFile(file);
}

/** root/<class>/<i>.png for each class, `perClass` images each; pattern seeded by the class name. */
export async function patternFolder(
  root: string,
  classes: readonly string[],
  perClass: number,
  noiseSeed = 0,
): Promise<string> {
  for (const name of classes) {
    const pattern = new Rng(`pattern:${name}`);
    const colors = [0, 1, 2, 3].map(() => [pattern.int(256), pattern.int(256), pattern.int(256)]);
    for (let i = 0; i < perClass; i++) {
      const rng = new Rng(noiseSeed).fork(name, i);
      const raw = Buffer.alloc(SIDE * SIDE * 3);
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          const color = colors[(y < SIDE / 2 ? 0 : 2) + (x < SIDE / 2 ? 0 : 1)]!;
          for (let k = 0; k < 3; k++) {
            const v = color[k]! + rng.int(41) - 20;
            raw[(y * SIDE + x) * 3 + k] = Math.max(0, Math.min(255, v));
          }
        }
      }
      await writePng(path.join(root, name, `${i}.png`), raw);
    }
  }
  return root;
}

/** root/<class>/<i>.png of uniformly random pixels. */
export async function noiseFolder(
  root: string,
  classes: readonly string[],
  perClass: number,
  seed: number,
): Promise<string> {
  const rng = new Rng(seed);
  for (const name of classes) {
    for (let i = 0; i < perClass; i++) {
      const raw = Buffer.alloc(SIDE * SIDE * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = rng.int(256);
      await writePng(path.join(root, name, `${i}.png`), raw);
    }
  }
  return root;
}

export async function makeTempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}
