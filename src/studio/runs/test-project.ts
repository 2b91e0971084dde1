// Test support: a tiny classification project on disk in the studio's layout (layout.ts) — three
// colour classes, 6 train + 2 test PNGs each at 32 px, with noise so no two images are equal —
// that `visiontune train --backbone resnet_tiny --strategy scratch --image-size 32` learns in
// seconds.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Split } from '../api-types.js';
import { createStudio } from '../app.js';
import { classification } from '../projects/layout.js';
import { writeProjectMeta } from '../projects/meta-file.js';

const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  green: [30, 200, 40],
  blue: [30, 40, 220],
};
const SIZE = 32;
const PER_SPLIT: Record<Split, number> = { train: 6, test: 2 };

async function colourImage(file: string, rgb: [number, number, number], seed: number) {
  const data = Buffer.alloc(SIZE * SIZE * 3);
  let state = seed * 2654435761;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, rgb[i % 3]! + ((state >>> 16) % 61) - 30));
  }
  await sharp(data, { raw: { width: SIZE, height: SIZE, channels: 3 } })
    .png()
    .toFile(file);
}

/** `<folder>/<split>/<colour>/<n>.png`: an image folder with split folders, as the CLI reads. */
export async function writeColourFolder(folder: string): Promise<void> {
  let seed = 1;
  for (const split of Object.keys(PER_SPLIT) as Split[])
    for (const [name, rgb] of Object.entries(COLOURS)) {
      const dir = path.join(folder, split, name);
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < PER_SPLIT[split]; i++)
        await colourImage(path.join(dir, `${name}-${i}.png`), rgb, seed++);
    }
}

/** A classification project `name` under `dir`; returns its folder. */
export async function makeColourProject(dir: string, name: string): Promise<string> {
  const project = path.join(dir, name);
  await fs.mkdir(project, { recursive: true });
  await writeProjectMeta(dir, {
    formatVersion: 1,
    name,
    task: 'classification',
    createdAt: new Date().toISOString(),
    classes: Object.keys(COLOURS),
  });
  await writeColourFolder(classification.data(project));
  return project;
}

/** The options of a run that trains in seconds. */
export const TINY_TRAIN = {
  backbone: 'resnet_tiny',
  strategy: 'scratch',
  imageSize: 32,
  epochs: 2,
  batch: 6,
};

/** A studio over `dir` with a stand-in frontend (the API is what these tests use). */
export async function testStudio(dir: string, runLock = path.join(dir, 'run.lock')) {
  const ui = path.join(dir, '.ui');
  await fs.mkdir(ui, { recursive: true });
  await fs.writeFile(path.join(ui, 'index.html'), '<!doctype html><title>studio</title>');
  const projects = path.join(dir, 'projects');
  // Its own run lock: test files running side by side do not wait for each other's runs.
  return createStudio({ dir: projects, port: 0, uiDir: ui, runLock });
}

/** Waits until `check` returns a value (polling), or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 180_000,
): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
