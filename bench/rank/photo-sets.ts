// The real-photo sets of the ranking benchmark, built from wallpapers that Debian packages ship:
// each photo is one class, its images are square crops of it. Training crops come from the
// photo's left half and test crops from its right half (top/bottom for a portrait photo), so no
// test pixel was ever seen in training: a class must be recognized from a part of the scene that
// was not shown. Deterministic for a seed (crop positions from src/util/rng.ts; libvips resizes).
//
// Output (visiontune's folder layout): <cache>/<set>-s<seed>/{train,test}/<photo>/<i>.png and
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

/** Photos are decoded with this shorter side: a crop then spans ~40% of the scene's height. */
export const PHOTO_SHORT_SIDE = 560;
/** Crop side: mobilenet_v2's native input, so the photo sets are embedded without resizing. */
export const CROP_SIZE = 224;

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

/** The photo's left and right halves (top and bottom for a portrait photo), as photos. */
export function splitHalves(photo: Photo): [Photo, Photo] {
  const landscape = photo.width >= photo.height;
  const crop = (x0: number, y0: number, width: number, height: number): Photo => {
    const data = new Uint8Array(width * height * 3);
    for (let r = 0; r < height; r++) {
      const from = ((y0 + r) * photo.width + x0) * 3;
      data.set(photo.data.subarray(from, from + width * 3), r * width * 3);
    }
    return { path: photo.path, width, height, data };
  };
  if (landscape) {
    const half = Math.floor(photo.width / 2);
    return [crop(0, 0, half, photo.height), crop(half, 0, photo.width - half, photo.height)];
  }
  const half = Math.floor(photo.height / 2);
  return [crop(0, 0, photo.width, half), crop(0, half, photo.width, photo.height - half)];
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
  const { trainPerClass = 20, testPerClass = 40, seed = 0 } = options;
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
  for (const file of set.files) {
    const name = className(file);
    const halves = splitHalves(await loadPhoto(file, PHOTO_SHORT_SIDE));
    const plan = [
      ['train', halves[0], trainPerClass],
      ['test', halves[1], testPerClass],
    ] as const;
    for (const [split, half, count] of plan) {
      const dir = join(options.out, split, name);
      await mkdir(dir, { recursive: true });
      const patches = cutPatches(half, count, CROP_SIZE, new Rng(seed).fork(set.name, name, split));
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
      `each photo one class; shorter side ${PHOTO_SHORT_SIDE} px; ${CROP_SIZE} px square crops, ` +
      'uniformly placed, train from the left (top) half, test from the right (bottom) half',
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
    join(options.cacheDir ?? DEFAULT_PHOTO_CACHE, `${set.name}-s${options.seed ?? 0}`);
  const manifest = await readFile(join(out, 'manifest.json'), 'utf8').catch(() => null);
  const wanted = { train: options.trainPerClass ?? 20, test: options.testPerClass ?? 40 };
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
