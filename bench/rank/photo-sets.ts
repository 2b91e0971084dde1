// The real-photo sets of the ranking benchmark, built from wallpapers that Debian packages ship:
// each photo is one class, its images are small square crops of it. The photo is cut into a
// checkerboard of cells (3 rows); training crops lie wholly inside the "black" cells and test
// crops inside the "white" ones, so no test pixel was ever seen in training, yet both splits
// cover the whole scene alike. (A first version took training crops from the left half and test
// crops from the right half: test accuracy then measured the shift between the halves — the
// 16-channel first block won — and no score on training images can predict that.)
// Deterministic for a seed (crop positions from src/util/rng.ts; libvips resizes).
//
// Output (visiontune's folder layout): <cache>/<set>-grid-s<seed>/{train,test}/<photo>/<i>.png and
// manifest.json (package, its installed version, the photo files, counts, recipe).
//
// Usage: node --import tsx bench/rank/photo-sets.ts [--out DIR] [--seed 0]
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { basename, extname, join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { Rng } from '../../src/util/rng.js';
import { cutPatches, loadPhoto, type Photo } from '../adapt/mnist-m.js';
import { runAsScript } from '../run-as-script.js';

export interface PhotoSet {
  name: string;
  /** The Debian package the photos come from. */
  debianPackage: string;
  /** The photo files, one class each (class name = the file's or wallpaper's name). */
  files: readonly string[];
}

/** KDE Plasma wallpapers that are photographs (the others are renders); one size of each. */
const PLASMA_PHOTOS = [
  'BytheWater',
  'ColdRipple',
  'ColorfulCups',
  'DarkestHour',
  'EveningGlow',
  'FallenLeaf',
  'Grey',
  'Kite',
  'OneStandsOut',
  'Path',
  'summer_1am',
];

const MATE_NATURE = [
  'Aqua',
  'Blinds',
  'Dune',
  'FreshFlower',
  'Garden',
  'GreenMeadow',
  'LadyBird',
  'RainDrops',
  'Storm',
  'TwoWings',
  'Wood',
  'YellowFlower',
];

export const PHOTO_SETS: readonly PhotoSet[] = [
  {
    name: 'mate-nature',
    debianPackage: 'mate-backgrounds',
    files: MATE_NATURE.map((n) => `/usr/share/backgrounds/mate/nature/${n}.jpg`),
  },
  {
    name: 'plasma-photos',
    debianPackage: 'plasma-workspace-wallpapers',
    files: PLASMA_PHOTOS.map((n) => `/usr/share/wallpapers/${n}/contents/images/2560x1600.jpg`),
  },
];

export const INSTALL_HINT = (set: PhotoSet) =>
  `apt-get update && apt-get install -y --no-install-recommends ${set.debianPackage}`;

/** Photos are decoded with this shorter side: a crop then spans 1/6 of the scene's height. */
export const PHOTO_SHORT_SIDE = 672;
/** Crop side (the eval transform resizes it to the backbone's input). */
export const CROP_SIZE = 112;
/** Checkerboard rows; columns follow the aspect ratio (5 for 16:10 photos). */
export const GRID_ROWS = 3;

/** Crops per photo: training crops as in the example (20 per class); test crops many
 * more, since near the ceiling (≥ 90 %) each test image is a large step of the accuracy. */
export const PHOTO_TRAIN_PER_CLASS = 20;
export const PHOTO_TEST_PER_CLASS = 120;

export interface BuildOptions {
  out: string;
  trainPerClass?: number;
  testPerClass?: number;
  seed?: number;
}

/** The class name of a photo file: the wallpaper folder's name for Plasma's layout. */
export function className(file: string): string {
  const parts = file.split('/');
  const images = parts.lastIndexOf('images');
  return images >= 2 && parts[images - 1] === 'contents'
    ? parts[images - 2]!
    : basename(file, extname(file));
}

export interface Cell {
  x: number;
  y: number;
  width: number;
  height: number;
  split: 'train' | 'test';
}

/** The photo's checkerboard cells: (row + column) even → train, odd → test. */
export function gridCells(width: number, height: number, rows = GRID_ROWS): Cell[] {
  const cols = Math.max(2, Math.round((rows * width) / height));
  const edge = (i: number, n: number, size: number) => Math.round((i * size) / n);
  return Array.from({ length: rows * cols }, (_, k) => {
    const [r, c] = [Math.floor(k / cols), k % cols];
    const [x, y] = [edge(c, cols, width), edge(r, rows, height)];
    return {
      x,
      y,
      width: edge(c + 1, cols, width) - x,
      height: edge(r + 1, rows, height) - y,
      split: (r + c) % 2 === 0 ? 'train' : 'test',
    };
  });
}

/** The part of the photo under one cell, as a photo. */
function cellPhoto(photo: Photo, cell: Cell): Photo {
  const data = new Uint8Array(cell.width * cell.height * 3);
  for (let r = 0; r < cell.height; r++) {
    const from = ((cell.y + r) * photo.width + cell.x) * 3;
    data.set(photo.data.subarray(from, from + cell.width * 3), r * cell.width * 3);
  }
  return { path: photo.path, width: cell.width, height: cell.height, data };
}

/** `count` crops from the photo's cells of one split: a uniform cell, then a uniform position. */
export function cutSplit(photo: Photo, split: Cell['split'], count: number, rng: Rng) {
  const cells = gridCells(photo.width, photo.height).filter((c) => c.split === split);
  return Array.from({ length: count }, () => {
    const cell = cells[rng.int(cells.length)]!;
    const [patch] = cutPatches(cellPhoto(photo, cell), 1, CROP_SIZE, rng);
    return { ...patch!, x: cell.x + patch!.x, y: cell.y + patch!.y };
  });
}

async function packageVersion(name: string): Promise<string | null> {
  const run = promisify(execFile);
  // dpkg-query's own ${Version} field syntax, escaped.
  return run('dpkg-query', ['-W', `-f=\${Version}`, name]).then(
    (r) => r.stdout.trim() || null,
    () => null,
  );
}

/**
 * Writes the set's folder (replacing it) and returns its manifest. Throws with the install
 * command when a photo file is missing.
 */
export async function buildPhotoSet(set: PhotoSet, options: BuildOptions) {
  const {
    trainPerClass = PHOTO_TRAIN_PER_CLASS,
    testPerClass = PHOTO_TEST_PER_CLASS,
    seed = 0,
  } = options;
  for (const file of set.files) {
    if (!(await stat(file).catch(() => null))) {
      throw new Error(
        `${set.name}: ${file} is missing; its photos come from the Debian package ` +
          `${set.debianPackage}. Install it (as root) with:\n  ${INSTALL_HINT(set)}`,
      );
    }
  }
  await rm(options.out, { recursive: true, force: true });
  const counts = { train: 0, test: 0 };
  const crops: Record<string, { x: number; y: number }[]> = {};
  for (const file of set.files) {
    const name = className(file);
    const photo = await loadPhoto(file, PHOTO_SHORT_SIDE);
    const plan = [
      ['train', trainPerClass],
      ['test', testPerClass],
    ] as const;
    for (const [split, count] of plan) {
      const dir = join(options.out, split, name);
      await mkdir(dir, { recursive: true });
      const patches = cutSplit(photo, split, count, new Rng(seed).fork(set.name, name, split));
      crops[`${split}/${name}`] = patches.map(({ x, y }) => ({ x, y }));
      for (const [i, patch] of patches.entries()) {
        await sharp(patch.data, { raw: { width: CROP_SIZE, height: CROP_SIZE, channels: 3 } })
          .png()
          .toFile(join(dir, `${String(i).padStart(3, '0')}.png`));
      }
      counts[split] += patches.length;
    }
  }
  const manifest = {
    set: set.name,
    debianPackage: set.debianPackage,
    packageVersion: await packageVersion(set.debianPackage),
    photos: set.files,
    classes: set.files.map(className),
    counts,
    recipe:
      `each photo one class; shorter side ${PHOTO_SHORT_SIDE} px; ${CROP_SIZE} px square crops ` +
      `wholly inside a checkerboard cell (${GRID_ROWS} rows): train from (row + column) even ` +
      'cells, test from odd ones; cell and position uniform',
    cropSize: CROP_SIZE,
    crops,
    seed,
    sharp: sharp.versions,
  };
  await writeFile(join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export const DEFAULT_PHOTO_CACHE = join(os.tmpdir(), 'visiontune-bench-rank');

/** The set's folder under `cacheDir`, built unless a complete one (its manifest) is there. */
export async function photoSetFolder(
  set: PhotoSet,
  options: Partial<BuildOptions> & { cacheDir?: string } = {},
): Promise<string> {
  const out =
    options.out ??
    join(options.cacheDir ?? DEFAULT_PHOTO_CACHE, `${set.name}-grid-s${options.seed ?? 0}`);
  const manifest = await readFile(join(out, 'manifest.json'), 'utf8').catch(() => null);
  const wanted = {
    train: options.trainPerClass ?? PHOTO_TRAIN_PER_CLASS,
    test: options.testPerClass ?? PHOTO_TEST_PER_CLASS,
  };
  const built = manifest ? JSON.parse(manifest) : null;
  const complete =
    built?.counts.train === wanted.train * set.files.length &&
    built?.counts.test === wanted.test * set.files.length;
  if (!complete) await buildPhotoSet(set, { ...options, out });
  return out;
}

await runAsScript(import.meta.url, async () => {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seed = Number(arg('seed') ?? 0);
  const cacheDir = arg('out') ?? DEFAULT_PHOTO_CACHE;
  for (const set of PHOTO_SETS) {
    const folder = await photoSetFolder(set, { cacheDir, seed });
    const {
      set: name,
      debianPackage,
      packageVersion,
      classes,
      counts,
    } = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
    console.log(JSON.stringify({ name, folder, debianPackage, packageVersion, classes, counts }));
  }
});
