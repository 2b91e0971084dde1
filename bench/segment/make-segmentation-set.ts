// Synthetic semantic-segmentation benchmark data: MNIST digits and Fashion-MNIST items pasted onto
// crops of natural photos, written as a segmentation folder (src/data/segmentation/folder.ts).
// Each image is a size x size crop of one of the `mate-backgrounds` photos (the same photos and
// helpers as the detection set, bench/detect/make-detection-set.ts), possibly mirrored, with
// 1..maxObjects objects, each an MNIST digit or a Fashion-MNIST item (50/50), its tight box's longer
// side log-uniform from 0.25 to 0.7 of the image side, the box wholly inside the image.
//
// Objects are painted back to front (later ones on top):
// - a digit as in the detection set: its MNIST grey level is the alpha, painted in a colour far
//   from the mean colour under its box or as the negative of what lies under it (choosePaint,
//   measured on the image painted so far, so a digit also stands out from an item below it);
// - a Fashion-MNIST item with alpha = clamp(grey / (0.12 * 255)), so dark parts of a garment are
//   still solid, coloured with a random tint shaded by the item's grey level
//   (tint * (0.45 + 0.55 * grey / 255)), the tint the farthest of up to 20 from the mean colour
//   under the item (RGB distance >= 150 accepted at once).
// The mask holds, per pixel, the class of the topmost object whose alpha there is >= 0.5, else 0.
// A placement that would leave an earlier object with less than half of its own mask area visible
// is redrawn (up to 30 tries, then that object is left out).
//
// Classes (mask values): 0 background, 1..10 digits '0'..'9', 11..20 the Fashion-MNIST classes.
// Layout: dir/images/000001.jpg (or .png), dir/masks/000001.png (8-bit single-channel index PNG),
// dir/classes.txt (one class name per line, in index order), dir/set.json (recipe, seed, photos,
// and per image its background crop and objects; loaders ignore it).
//
// Deterministic for a seed: image i depends only on (seed, i), drawn from src/util/rng.ts. As for
// MNIST-M, the photo resize is libvips's, so the bytes are only promised for one libvips.
//
// Usage: node --import tsx bench/segment/make-segmentation-set.ts --out DIR [--images 200]
//        [--size 128] [--seed 0] [--split train|test] [--max-objects 4] [--format jpeg|png]
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { mapLimited } from '../../src/data/limit.js';
import { openSegmentationFolder } from '../../src/data/segmentation/folder.js';
import type { SegmentationDataset } from '../../src/data/segmentation/types.js';
import { FASHION_MNIST_CLASSES, openFashionMnist } from '../../src/data/sources/fashion-mnist.js';
import { MNIST_CLASSES } from '../../src/data/sources/mnist.js';
import type { Sample } from '../../src/data/types.js';
import type { Box } from '../../src/track/types.js';
import { Rng } from '../../src/util/rng.js';
import { findPhotos } from '../adapt/mnist-m.js';
import {
  backgroundShortSide,
  choosePaint,
  cutBackground,
  encodeImage,
  type Glyph,
  glyphBox,
  type ImageFormat,
  loadBackgroundPhotos,
  openDigits,
  type Paint,
  rasterDigit,
  STROKE_THRESHOLD,
} from '../detect/make-detection-set.js';
import { runAsScript } from '../run-as-script.js';

/** Mask value -> class name: background, the ten digits, the ten Fashion-MNIST classes. */
export const SEGMENTATION_CLASSES: readonly string[] = [
  'background',
  ...MNIST_CLASSES.map((d) => `digit ${d}`),
  ...FASHION_MNIST_CLASSES,
];
/** Mask value of digit d is DIGIT_OFFSET + d; of Fashion-MNIST class c, FASHION_OFFSET + c. */
export const DIGIT_OFFSET = 1;
export const FASHION_OFFSET = 11;
/** A Fashion-MNIST item is opaque where its grey level reaches this share of 255. */
export const FASHION_ALPHA_FULL = 0.12;
/** A pixel belongs to an object where the object's alpha is at least this. */
export const MASK_ALPHA = 0.5;
/** An object's tight box's longer side, as a share of the image side (log-uniform). */
export const OBJECT_SIDE: readonly [number, number] = [0.25, 0.7];

const SIDE = 28;

/** One pasteable object: `alpha` (0..255) shapes it, `grey` shades a tinted item, `box` is tight. */
interface ObjectShape {
  kind: 'digit' | 'fashion';
  id: string;
  /** Mask value. */
  cls: number;
  alpha: Uint8Array;
  grey: Uint8Array;
  box: Box;
}

function boxAbove(values: Uint8Array, threshold: number): Box | null {
  let [x0, y0, x1, y1] = [SIDE, SIDE, -1, -1];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      if (values[y * SIDE + x]! <= threshold) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Fashion-MNIST items of one split, decoded on first use; null for an (almost) empty image. */
async function openItems(split: 'train' | 'test') {
  const source = await openFashionMnist();
  const samples: Sample[] = source.splits[split] ?? [];
  if (samples.length === 0) throw new Error(`Fashion-MNIST has no ${split} items here`);
  const cache = new Map<number, Promise<ObjectShape | null>>();
  const load = async (i: number): Promise<ObjectShape | null> => {
    const s = samples[i]!;
    const rgb = (await source.read(s)).data;
    const grey = new Uint8Array(SIDE * SIDE);
    const alpha = new Uint8Array(SIDE * SIDE);
    for (let p = 0; p < grey.length; p++) {
      grey[p] = rgb[p * 3]!;
      alpha[p] = Math.min(255, Math.round(grey[p]! / FASHION_ALPHA_FULL));
    }
    const box = boxAbove(alpha, STROKE_THRESHOLD * 255);
    return box
      ? { kind: 'fashion', id: s.id, cls: FASHION_OFFSET + s.label, alpha, grey, box }
      : null;
  };
  return {
    count: samples.length,
    get(i: number): Promise<ObjectShape | null> {
      let shape = cache.get(i);
      if (!shape) {
        shape = load(i);
        cache.set(i, shape);
      }
      return shape;
    },
  };
}

export interface SegmentationSetOptions {
  dir: string;
  images: number;
  /** Image side in pixels (default 128). */
  size?: number;
  seed: number;
  /** Which MNIST / Fashion-MNIST split the objects come from (default 'train'). */
  split?: 'train' | 'test';
  /** At most this many objects per image (default 4); every image has at least one. */
  maxObjects?: number;
  /** Default 'jpeg' (quality 90, 4:4:4). Masks are always PNG. */
  format?: ImageFormat;
  /** Photo files; default: findPhotos() (the mate-backgrounds nature photos). */
  photos?: string[];
  /** Images in flight (default 8). */
  concurrency?: number;
}

/** What set.json records per image. */
export interface SegmentationImageInfo {
  file: string;
  mask: string;
  background: { photo: number; x: number; y: number; flip: boolean };
  /** Bottom to top. `pixels`: its mask pixels in the final mask; `area`: unoccluded; `box`: the
   * tight [x, y, width, height] of its visible pixels (absent when none is visible). */
  objects: {
    cls: number;
    source: string;
    paint: Paint;
    area: number;
    pixels: number;
    box?: [number, number, number, number];
  }[];
}

export interface SegmentationSet {
  dir: string;
  classes: string[];
  /** The set as openSegmentationFolder read it back (index masks). */
  dataset: SegmentationDataset;
  /** Mask pixels per class over the whole set. */
  pixelCounts: number[];
}

/** A tint for a shaded item: far from `mean` once shaded by `shade` (the item's mean shading). */
function chooseTint(rng: Rng, mean: number[], shade: number): [number, number, number] {
  let best: [number, number, number] = [0, 0, 0];
  let bestDistance = -1;
  for (let t = 0; t < 20 && bestDistance < 150; t++) {
    const rgb: [number, number, number] = [rng.int(256), rng.int(256), rng.int(256)];
    const d = Math.hypot(
      rgb[0] * shade - mean[0]!,
      rgb[1] * shade - mean[1]!,
      rgb[2] * shade - mean[2]!,
    );
    if (d > bestDistance) [best, bestDistance] = [rgb, d];
  }
  return best;
}

const shadeOf = (g: number) => 0.45 + 0.55 * g;

/** One image: background crop, objects, the painted RGB and its mask. */
async function makeImage(
  rng: Rng,
  size: number,
  maxObjects: number,
  photos: Parameters<typeof cutBackground>[0],
  pick: (fashion: boolean, rng: Rng) => Promise<ObjectShape | null>,
) {
  const bg = cutBackground(photos, size, rng);
  const n = size * size;
  const canvas = Float32Array.from(bg.rgb);
  const mask = new Uint8Array(n);
  // Topmost object (1-based) whose alpha >= MASK_ALPHA at each pixel; its visible pixel counts.
  const owner = new Uint8Array(n);
  const visible: number[] = [];
  const objects: SegmentationImageInfo['objects'] = [];
  const wanted = 1 + rng.int(maxObjects);
  const [lo, hi] = [Math.log(OBJECT_SIDE[0] * size), Math.log(OBJECT_SIDE[1] * size)];
  for (let k = 0; k < wanted; k++) {
    for (let attempt = 0; attempt < 30; attempt++) {
      const shape = await pick(rng.bool(0.5), rng);
      const side = Math.exp(rng.uniform(lo, hi));
      if (!shape) continue;
      const scale = side / Math.max(shape.box.w, shape.box.h);
      // The tight box (not the 28 x 28 cell) uniformly inside the image.
      const left = rng.uniform(0, size - shape.box.w * scale);
      const top = rng.uniform(0, size - shape.box.h * scale);
      const [ox, oy] = [left - shape.box.x * scale, top - shape.box.y * scale];
      const glyph = rasterDigit(shape.alpha, scale, ox, oy);
      const cover = covered(glyph, size);
      if (cover.length === 0) continue;
      const hidden = new Array<number>(objects.length).fill(0);
      for (const p of cover) if (owner[p]! > 0) hidden[owner[p]! - 1]!++;
      if (objects.some((o, j) => visible[j]! - hidden[j]! < 0.5 * o.area)) continue;

      let paint: Paint;
      let shading: Glyph | null = null;
      if (shape.kind === 'digit') {
        const box = glyphBox(glyph, size)!;
        const rgb = Uint8Array.from(canvas, (v) => Math.round(v));
        paint = choosePaint(rng, rgb, size, box);
      } else {
        shading = rasterDigit(shape.grey, scale, ox, oy);
        const mean = [0, 0, 0];
        let shade = 0;
        for (const p of cover) {
          for (let c = 0; c < 3; c++) mean[c]! += canvas[p * 3 + c]!;
          const g = (p % size) - glyph.x0 + (Math.floor(p / size) - glyph.y0) * glyph.width;
          shade += shadeOf(shading.alpha[g]!);
        }
        for (let c = 0; c < 3; c++) mean[c]! /= cover.length;
        paint = { kind: 'color', rgb: chooseTint(rng, mean, shade / cover.length) };
      }
      paintLayer(canvas, size, glyph, paint, shading);
      for (const p of cover) {
        if (owner[p]! > 0) visible[owner[p]! - 1]!--;
        owner[p] = objects.length + 1;
        mask[p] = shape.cls;
      }
      visible.push(cover.length);
      objects.push({
        cls: shape.cls,
        source: shape.id,
        paint,
        area: cover.length,
        pixels: cover.length,
      });
      break;
    }
  }
  const boxes = visibleBoxes(owner, size, objects.length);
  objects.forEach((o, j) => {
    o.pixels = visible[j]!;
    if (boxes[j]) o.box = boxes[j];
  });
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.min(255, Math.max(0, Math.round(canvas[i]!)));
  const { photo, x, y, flip } = bg;
  return { rgb, mask, background: { photo, x, y, flip }, objects };
}

/** Per object (1-based in `owner`), the tight [x, y, w, h] box of the pixels it owns; null when none. */
function visibleBoxes(owner: Uint8Array, size: number, count: number) {
  const lo = Array.from({ length: count }, () => [size, size]);
  const hi = Array.from({ length: count }, () => [-1, -1]);
  owner.forEach((o, p) => {
    if (o === 0) return;
    const [x, y] = [p % size, Math.floor(p / size)];
    const [l, h] = [lo[o - 1]!, hi[o - 1]!];
    l[0] = Math.min(l[0]!, x);
    l[1] = Math.min(l[1]!, y);
    h[0] = Math.max(h[0]!, x);
    h[1] = Math.max(h[1]!, y);
  });
  return lo.map(([x0, y0], j): [number, number, number, number] | null => {
    const [x1, y1] = hi[j]!;
    return x1! < 0 ? null : [x0!, y0!, x1! - x0! + 1, y1! - y0! + 1];
  });
}

/** Pixel indices (in a size x size image) where the glyph's alpha is at least MASK_ALPHA. */
function covered(glyph: Glyph, size: number): number[] {
  const out: number[] = [];
  for (let gy = 0; gy < glyph.height; gy++) {
    const y = glyph.y0 + gy;
    if (y < 0 || y >= size) continue;
    for (let gx = 0; gx < glyph.width; gx++) {
      const x = glyph.x0 + gx;
      if (x < 0 || x >= size) continue;
      if (glyph.alpha[gy * glyph.width + gx]! >= MASK_ALPHA) out.push(y * size + x);
    }
  }
  return out;
}

/** Paints one layer over `canvas` (float RGB): colour, shaded colour, or the canvas's negative. */
function paintLayer(
  canvas: Float32Array,
  size: number,
  glyph: Glyph,
  paint: Paint,
  shading: Glyph | null,
): void {
  for (let gy = 0; gy < glyph.height; gy++) {
    const y = glyph.y0 + gy;
    if (y < 0 || y >= size) continue;
    for (let gx = 0; gx < glyph.width; gx++) {
      const x = glyph.x0 + gx;
      const g = gy * glyph.width + gx;
      const a = glyph.alpha[g]!;
      if (a === 0 || x < 0 || x >= size) continue;
      const o = (y * size + x) * 3;
      const s = shading ? shadeOf(shading.alpha[g]!) : 1;
      for (let c = 0; c < 3; c++) {
        const under = canvas[o + c]!;
        const colour = paint.kind === 'color' ? paint.rgb[c]! * s : 255 - under;
        canvas[o + c] = under * (1 - a) + colour * a;
      }
    }
  }
}

/** Writes the segmentation folder described at the top of this file and reads it back. */
export async function makeSegmentationSet(
  options: SegmentationSetOptions,
): Promise<SegmentationSet> {
  const size = options.size ?? 128;
  const maxObjects = options.maxObjects ?? 4;
  const format = options.format ?? 'jpeg';
  const split = options.split ?? 'train';
  const { images, seed } = options;
  if (!Number.isInteger(images) || images < 1) throw new RangeError(`images: bad count ${images}`);
  if (!Number.isInteger(size) || size < 32) throw new RangeError(`size must be >= 32, got ${size}`);
  if (!Number.isInteger(maxObjects) || maxObjects < 1 || maxObjects > 254)
    throw new RangeError(`maxObjects must be 1..254, got ${maxObjects}`);

  const photoPaths = options.photos ?? (await findPhotos());
  const photos = await loadBackgroundPhotos(photoPaths, size);
  const [digits, items] = await Promise.all([openDigits(split), openItems(split)]);
  const pick = async (fashion: boolean, rng: Rng): Promise<ObjectShape | null> => {
    if (fashion) return items.get(rng.int(items.count));
    const d = await digits.get(rng.int(digits.count));
    return {
      kind: 'digit',
      id: d.id,
      cls: DIGIT_OFFSET + d.label,
      alpha: d.grey,
      grey: d.grey,
      box: d.box,
    };
  };

  const dir = resolve(options.dir);
  const imagesDir = join(dir, 'images');
  const masksDir = join(dir, 'masks');
  await Promise.all(
    [imagesDir, masksDir, join(dir, 'classes.txt'), join(dir, 'set.json')].map((p) =>
      rm(p, { recursive: true, force: true }),
    ),
  );
  await mkdir(imagesDir, { recursive: true });
  await mkdir(masksDir, { recursive: true });
  const ext = format === 'png' ? 'png' : 'jpg';
  const root = new Rng(seed).fork('segmentation-set');
  const pixelCounts = new Array<number>(SEGMENTATION_CLASSES.length).fill(0);

  const made = await mapLimited(
    Array.from({ length: images }, (_, i) => i),
    options.concurrency ?? 8,
    async (i): Promise<SegmentationImageInfo> => {
      const image = await makeImage(root.fork('image', i), size, maxObjects, photos, pick);
      const stem = String(i + 1).padStart(6, '0');
      const file = `images/${stem}.${ext}`;
      const maskFile = `masks/${stem}.png`;
      for (const v of image.mask) pixelCounts[v]!++;
      await Promise.all([
        encodeImage(image.rgb, size, format, join(dir, file)),
        sharp(Buffer.from(image.mask.buffer, image.mask.byteOffset, image.mask.byteLength), {
          raw: { width: size, height: size, channels: 1 },
        })
          .png({ compressionLevel: 6, palette: false })
          .toFile(join(dir, maskFile)),
      ]);
      return { file, mask: maskFile, background: image.background, objects: image.objects };
    },
  );

  const classes = [...SEGMENTATION_CLASSES];
  await writeFile(join(dir, 'classes.txt'), `${classes.join('\n')}\n`);
  const info = {
    description:
      'visiontune synthetic segmentation set (bench/segment/make-segmentation-set.ts): ' +
      'MNIST digits and Fashion-MNIST items on photo crops',
    seed,
    split,
    size,
    maxObjects,
    objectSide: OBJECT_SIDE,
    fashionAlphaFull: FASHION_ALPHA_FULL,
    maskAlpha: MASK_ALPHA,
    photoShortSide: backgroundShortSide(size),
    photos: photos.map((p) => p.path),
    classes,
    pixelCounts,
    versions: { sharp: sharp.versions.sharp ?? '?', libvips: sharp.versions.vips },
  };
  await writeFile(join(dir, 'set.json'), `${JSON.stringify({ info, images: made })}\n`);

  // Read it back the way users will; a pair the loader rejects is a bug here.
  const dataset = await openSegmentationFolder(dir, { classes, mode: 'index' });
  if (dataset.samples.length !== images)
    throw new Error(`${dir}: openSegmentationFolder read ${dataset.samples.length} of ${images}`);
  return { dir, classes, dataset, pixelCounts };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const out = arg('out');
  if (!out) throw new Error('usage: make-segmentation-set.ts --out DIR [--images N --size S ...]');
  const num = (name: string, fallback: number) => {
    const v = arg(name);
    return v === undefined ? fallback : Number(v);
  };
  const split = arg('split') ?? 'train';
  const format = arg('format') ?? 'jpeg';
  if (split !== 'train' && split !== 'test')
    throw new Error(`--split: train or test, not ${split}`);
  if (format !== 'jpeg' && format !== 'png')
    throw new Error(`--format: jpeg or png, not ${format}`);
  const t0 = performance.now();
  const set = await makeSegmentationSet({
    dir: out,
    images: num('images', 200),
    size: num('size', 128),
    seed: num('seed', 0),
    split,
    maxObjects: num('max-objects', 4),
    format,
  });
  const total = set.pixelCounts.reduce((a, b) => a + b, 0);
  console.log(
    JSON.stringify(
      {
        dir: set.dir,
        images: set.dataset.samples.length,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        pixelShare: Object.fromEntries(
          set.classes.map((c, i) => [c, Math.round((set.pixelCounts[i]! / total) * 1e4) / 1e4]),
        ),
      },
      null,
      2,
    ),
  );
}

await runAsScript(import.meta.url, main);
