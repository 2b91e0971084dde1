// Synthetic detection benchmark data (issue 8): MNIST digits pasted onto crops of natural photos,
// written as a COCO detection set. Each image is a size x size crop of one of the
// `mate-backgrounds` photos (the same photos and helpers as bench/adapt/mnist-m.ts), possibly
// mirrored, with 1..maxDigits digits at log-uniform heights from 12 to 96 px at size 256 (scaled
// with size, never below 6 px), so small objects are as common as large ones; about 5% of the
// images hold no digit (negatives).
//
// A digit is pasted as a soft mask (its MNIST grey level is the alpha), painted either in a random
// colour far from the mean colour under it, or, where the photo there is far from mid-grey, as
// the photo's negative (MNIST-M's |digit − patch| at full stroke strength). Neither can be found
// by thresholding: the ink is sometimes darker and sometimes lighter than its surroundings.
//
// The box is the tight box of the pasted stroke pixels (alpha > 0.3 after resampling), not the
// padded 28 x 28 cell; `area` is the box area, so COCO's small/medium/large split is by box.
// A placement whose box overlaps an earlier one by IoU > 0.3, or covers more than half of the
// smaller box, is redrawn (up to 30 tries, then that digit is left out), so later (top) digits
// hide at most part of earlier ones.
//
// Deterministic for a seed: image i depends only on (seed, i), drawn from src/util/rng.ts. As
// for MNIST-M, the photo resize is libvips's, so the bytes are only promised for one libvips.
//
// Layout: dir/annotations.json (COCO; file_name is images/…, relative to the .json's folder as COCO's default), dir/images/000001.jpg.
// Extra COCO fields (ignored by loaders): `info` (recipe, seed, photos), each image's
// `background` (photo index, crop corner, mirrored) and each annotation's `mnist_id` and `paint`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { openCoco } from '../../src/data/detection/coco.js';
import type { DetectionDataset } from '../../src/data/detection/types.js';
import { mapLimited } from '../../src/data/limit.js';
import { openMnist } from '../../src/data/sources/mnist.js';
import type { Sample } from '../../src/data/types.js';
import { iou } from '../../src/track/iou.js';
import type { Box } from '../../src/track/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  cutPatches,
  findPhotos,
  loadPhoto,
  PHOTO_SHORT_SIDE,
  type Photo,
} from '../adapt/mnist-m.js';

/** Stroke pixels: MNIST intensity (0..1) above this. */
export const STROKE_THRESHOLD = 0.3;
const MNIST_SIDE = 28;

/** A digit's grey image (28 x 28, 0..255) and the tight box of its stroke pixels in that grid. */
export interface DigitShape {
  id: string;
  label: number;
  grey: Uint8Array;
  box: Box;
}

/** A digit resampled into image coordinates: alpha over the window at (x0, y0), may reach outside. */
export interface Glyph {
  x0: number;
  y0: number;
  width: number;
  height: number;
  alpha: Float32Array;
}

export type Paint = { kind: 'color'; rgb: [number, number, number] } | { kind: 'invert' };

export interface Layer {
  glyph: Glyph;
  paint: Paint;
}

export type ImageFormat = 'jpeg' | 'png';

/** The tight box of grid cells whose value exceeds `threshold`, or null when none does. */
function boxAbove(
  values: ArrayLike<number>,
  width: number,
  height: number,
  threshold: number,
): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (values[y * width + x]! <= threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** MNIST digits of one split, decoded to grey on first use. */
export async function openDigits(split: 'train' | 'test') {
  const mnist = await openMnist();
  const samples: Sample[] = mnist.splits[split] ?? [];
  if (samples.length === 0) throw new Error(`MNIST has no ${split} digits here`);
  const cache = new Map<number, Promise<DigitShape>>();
  const load = async (i: number): Promise<DigitShape> => {
    const s = samples[i]!;
    const rgb = (await mnist.read(s)).data;
    const grey = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
    for (let p = 0; p < grey.length; p++) grey[p] = rgb[p * 3]!;
    const box = boxAbove(grey, MNIST_SIDE, MNIST_SIDE, STROKE_THRESHOLD * 255);
    if (!box) throw new Error(`${s.id}: no stroke pixels`);
    return { id: s.id, label: s.label, grey, box };
  };
  return {
    count: samples.length,
    get(i: number): Promise<DigitShape> {
      let shape = cache.get(i);
      if (!shape) {
        shape = load(i);
        cache.set(i, shape);
      }
      return shape;
    },
  };
}

function greyAt(grey: Uint8Array, x: number, y: number): number {
  return x < 0 || y < 0 || x >= MNIST_SIDE || y >= MNIST_SIDE ? 0 : grey[y * MNIST_SIDE + x]!;
}

/**
 * The 28 x 28 cell scaled `scale` times with its top-left corner at (ox, oy) (sub-pixel), as
 * alpha 0..1. Bilinear; when shrinking, k x k samples per pixel so thin strokes do not alias away.
 */
export function rasterDigit(grey: Uint8Array, scale: number, ox: number, oy: number): Glyph {
  const x0 = Math.floor(ox);
  const y0 = Math.floor(oy);
  const width = Math.ceil(ox + MNIST_SIDE * scale) - x0;
  const height = Math.ceil(oy + MNIST_SIDE * scale) - y0;
  const k = Math.max(1, Math.ceil(1 / scale));
  const alpha = new Float32Array(width * height);
  for (let gy = 0; gy < height; gy++) {
    for (let gx = 0; gx < width; gx++) {
      let sum = 0;
      for (let sy = 0; sy < k; sy++) {
        const v = (y0 + gy + (sy + 0.5) / k - oy) / scale - 0.5;
        const iy = Math.floor(v);
        const fy = v - iy;
        for (let sx = 0; sx < k; sx++) {
          const u = (x0 + gx + (sx + 0.5) / k - ox) / scale - 0.5;
          const ix = Math.floor(u);
          const fx = u - ix;
          const top = greyAt(grey, ix, iy) * (1 - fx) + greyAt(grey, ix + 1, iy) * fx;
          const bottom = greyAt(grey, ix, iy + 1) * (1 - fx) + greyAt(grey, ix + 1, iy + 1) * fx;
          sum += top * (1 - fy) + bottom * fy;
        }
      }
      alpha[gy * width + gx] = sum / (k * k * 255);
    }
  }
  return { x0, y0, width, height, alpha };
}

/** The glyph's stroke box in image coordinates, clipped to a size x size image; null if empty. */
export function glyphBox(glyph: Glyph, size: number): Box | null {
  const b = boxAbove(glyph.alpha, glyph.width, glyph.height, STROKE_THRESHOLD);
  if (!b) return null;
  const x = Math.max(0, glyph.x0 + b.x);
  const y = Math.max(0, glyph.y0 + b.y);
  const w = Math.min(size, glyph.x0 + b.x + b.w) - x;
  const h = Math.min(size, glyph.y0 + b.y + b.h) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

/**
 * Paints `layers` (nearest first) over a size x size RGB background, front to back: each layer's
 * ink reaches the image only where nearer layers left it uncovered. `visibility[i]` is the share
 * of layer i's ink (its alpha sum, outside the frame included) that reached the image.
 */
export function composite(
  background: Uint8Array,
  size: number,
  layers: readonly Layer[],
): { rgb: Uint8Array; visibility: number[] } {
  const trans = new Float32Array(size * size).fill(1);
  const acc = new Float32Array(size * size * 3);
  const visibility = layers.map(({ glyph, paint }) => {
    let ink = 0;
    let seen = 0;
    for (let gy = 0; gy < glyph.height; gy++) {
      const y = glyph.y0 + gy;
      for (let gx = 0; gx < glyph.width; gx++) {
        const a = glyph.alpha[gy * glyph.width + gx]!;
        if (a === 0) continue;
        ink += a;
        const x = glyph.x0 + gx;
        if (x < 0 || y < 0 || x >= size || y >= size) continue;
        const p = y * size + x;
        const w = a * trans[p]!;
        seen += w;
        for (let c = 0; c < 3; c++) {
          const colour = paint.kind === 'color' ? paint.rgb[c]! : 255 - background[p * 3 + c]!;
          acc[p * 3 + c]! += w * colour;
        }
        trans[p]! *= 1 - a;
      }
    }
    return ink > 0 ? seen / ink : 0;
  });
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i++) {
    const v = Math.round(acc[i]! + trans[Math.floor(i / 3)]! * background[i]!);
    rgb[i] = Math.min(255, Math.max(0, v));
  }
  return { rgb, visibility };
}

/**
 * A paint that stands out from the background inside `box`: half the time the photo's negative
 * (only where the photo is far from mid-grey there, or the negative would vanish), otherwise a
 * random colour at least 150 (RGB distance) from the mean colour, the farthest of 20 if none is.
 */
export function choosePaint(rng: Rng, background: Uint8Array, size: number, box: Box): Paint {
  const mean = [0, 0, 0];
  let invertContrast = 0;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      for (let c = 0; c < 3; c++) {
        const v = background[(y * size + x) * 3 + c]!;
        mean[c]! += v;
        invertContrast += Math.abs(255 - 2 * v);
      }
    }
  }
  const n = Math.max(1, box.w * box.h);
  for (let c = 0; c < 3; c++) mean[c]! /= n;
  const wantInvert = rng.bool(0.5);
  if (wantInvert && invertContrast / (3 * n) >= 100) return { kind: 'invert' };
  let best: [number, number, number] = [0, 0, 0];
  let bestDistance = -1;
  for (let t = 0; t < 20 && bestDistance < 150; t++) {
    const rgb: [number, number, number] = [rng.int(256), rng.int(256), rng.int(256)];
    const d = Math.hypot(rgb[0] - mean[0]!, rgb[1] - mean[1]!, rgb[2] - mean[2]!);
    if (d > bestDistance) [best, bestDistance] = [rgb, d];
  }
  return { kind: 'color', rgb: best };
}

/** Photo short side for size x size crops: twice the crop, so crops of one photo differ. */
export function backgroundShortSide(size: number): number {
  return Math.max(PHOTO_SHORT_SIDE, 2 * size);
}

export interface Background {
  photo: number;
  x: number;
  y: number;
  flip: boolean;
  rgb: Uint8Array;
}

/** A uniform size x size crop of a uniformly chosen photo, mirrored half the time. */
export function cutBackground(photos: readonly Photo[], size: number, rng: Rng): Background {
  const photo = rng.int(photos.length);
  const [patch] = cutPatches(photos[photo]!, 1, size, rng);
  const flip = rng.bool(0.5);
  const rgb = patch!.data;
  if (flip) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size / 2; x++) {
        for (let c = 0; c < 3; c++) {
          const a = (y * size + x) * 3 + c;
          const b = (y * size + size - 1 - x) * 3 + c;
          [rgb[a], rgb[b]] = [rgb[b]!, rgb[a]!];
        }
      }
    }
  }
  return { photo, x: patch!.x, y: patch!.y, flip, rgb };
}

/** Loads photos for size x size crops, failing with the photo's name when one is too small. */
export async function loadBackgroundPhotos(paths: readonly string[], size: number) {
  const photos: Photo[] = [];
  for (const p of paths) {
    const photo = await loadPhoto(p, backgroundShortSide(size));
    if (photo.width < size || photo.height < size)
      throw new RangeError(`${p}: ${photo.width}x${photo.height} is smaller than ${size} px`);
    photos.push(photo);
  }
  return photos;
}

/**
 * RGB to JPEG (quality 90, no chroma subsampling: a 12 px digit's strokes are 1–2 px wide and
 * 4:2:0 would smear their colour into the background) or PNG.
 */
export function encodeImage(
  rgb: Uint8Array,
  size: number,
  format: ImageFormat,
  path: string,
): Promise<unknown> {
  const img = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width: size, height: size, channels: 3 },
  });
  return (
    format === 'png'
      ? img.png({ compressionLevel: 6 })
      : img.jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
  ).toFile(path);
}

export interface DetectionSetOptions {
  dir: string;
  images: number;
  /** Image side in pixels (default 256). */
  size?: number;
  seed: number;
  /** Which MNIST split the digits come from (default 'train'). */
  split?: 'train' | 'test';
  /** At most this many digits per image (default 4). */
  maxDigits?: number;
  /** Share of images with no digit (default 0.05). */
  negativeRate?: number;
  /** Default 'jpeg'. */
  format?: ImageFormat;
  /** Photo files; default: findPhotos() (the mate-backgrounds nature photos). */
  photos?: string[];
  /** Image encodes in flight (default 8). */
  concurrency?: number;
}

export interface DetectionSet {
  annotationFile: string;
  imagesDir: string;
  /** The set as openCoco read it back. */
  dataset: DetectionDataset;
}

interface Pasted {
  shape: DigitShape;
  box: Box;
  paint: Paint;
}

/** Too much overlap with a box already placed: IoU > 0.3, or covering half the smaller box. */
function overlapsTooMuch(box: Box, placed: readonly Pasted[]): boolean {
  return placed.some(({ box: other }) => {
    const iw = Math.min(box.x + box.w, other.x + other.w) - Math.max(box.x, other.x);
    const ih = Math.min(box.y + box.h, other.y + other.h) - Math.max(box.y, other.y);
    const inter = Math.max(0, iw) * Math.max(0, ih);
    return iou(box, other) > 0.3 || inter > 0.5 * Math.min(box.w * box.h, other.w * other.h);
  });
}

/** Writes the COCO set described at the top of this file, checks it with openCoco, returns it. */
export async function makeDetectionSet(options: DetectionSetOptions): Promise<DetectionSet> {
  const size = options.size ?? 256;
  const maxDigits = options.maxDigits ?? 4;
  const negativeRate = options.negativeRate ?? 0.05;
  const format = options.format ?? 'jpeg';
  const split = options.split ?? 'train';
  const { images, seed } = options;
  if (!Number.isInteger(images) || images < 0) throw new RangeError(`images: bad count ${images}`);
  if (!Number.isInteger(size) || size < 32) throw new RangeError(`size must be >= 32, got ${size}`);
  if (!Number.isInteger(maxDigits) || maxDigits < 1)
    throw new RangeError(`maxDigits must be >= 1, got ${maxDigits}`);
  const minSide = Math.max(6, (12 * size) / 256);
  const maxSide = (96 * size) / 256;

  const photoPaths = options.photos ?? (await findPhotos());
  const photos = await loadBackgroundPhotos(photoPaths, size);
  const digits = await openDigits(split);
  const dir = resolve(options.dir);
  const imagesDir = join(dir, 'images');
  const annotationFile = join(dir, 'annotations.json');
  await rm(imagesDir, { recursive: true, force: true });
  await rm(annotationFile, { force: true });
  await mkdir(imagesDir, { recursive: true });
  const ext = format === 'png' ? 'png' : 'jpg';
  const root = new Rng(seed).fork('detection-set');

  const made = await mapLimited(
    Array.from({ length: images }, (_, i) => i),
    options.concurrency ?? 8,
    async (i) => {
      const rng = root.fork('image', i);
      const bg = cutBackground(photos, size, rng);
      const wanted = rng.bool(negativeRate) ? 0 : 1 + rng.int(maxDigits);
      const placed: (Pasted & { glyph: Glyph })[] = [];
      for (let k = 0; k < wanted; k++) {
        for (let attempt = 0; attempt < 30; attempt++) {
          const shape = await digits.get(rng.int(digits.count));
          const side = Math.exp(rng.uniform(Math.log(minSide), Math.log(maxSide)));
          const scale = side / Math.max(shape.box.w, shape.box.h);
          // Place the stroke box (not the cell) uniformly inside the image.
          const left = rng.uniform(0, size - shape.box.w * scale);
          const top = rng.uniform(0, size - shape.box.h * scale);
          const glyph = rasterDigit(
            shape.grey,
            scale,
            left - shape.box.x * scale,
            top - shape.box.y * scale,
          );
          const box = glyphBox(glyph, size);
          if (!box || overlapsTooMuch(box, placed)) continue;
          placed.push({ shape, box, glyph, paint: choosePaint(rng, bg.rgb, size, box) });
          break;
        }
      }
      // Later digits lie on top: composite takes the nearest first.
      const layers = placed.map(({ glyph, paint }) => ({ glyph, paint })).reverse();
      const { rgb } = composite(bg.rgb, size, layers);
      const fileName = `${String(i + 1).padStart(6, '0')}.${ext}`;
      await encodeImage(rgb, size, format, join(imagesDir, fileName));
      // Metadata only: holding 2000 backgrounds and glyphs would cost ~400 MB.
      const { photo, x, y, flip } = bg;
      const pasted = placed.map(({ shape, box, paint }) => ({ shape, box, paint }));
      return { fileName, background: { photo, x, y, flip }, pasted };
    },
  );

  let annotationId = 0;
  const coco = {
    info: {
      description: 'visiontune synthetic digit detection set (bench/detect/make-detection-set.ts)',
      seed,
      split,
      size,
      maxDigits,
      negativeRate,
      digitSide: [minSide, maxSide],
      photoShortSide: backgroundShortSide(size),
      photos: photos.map((p) => p.path),
      versions: { sharp: sharp.versions.sharp ?? '?', libvips: sharp.versions.vips },
    },
    images: made.map(({ fileName, background }, i) => ({
      id: i + 1,
      file_name: `images/${fileName}`,
      width: size,
      height: size,
      background,
    })),
    annotations: made.flatMap(({ pasted }, i) =>
      pasted.map(({ shape, box, paint }) => ({
        id: ++annotationId,
        image_id: i + 1,
        category_id: shape.label + 1,
        bbox: [box.x, box.y, box.w, box.h],
        area: box.w * box.h,
        iscrowd: 0,
        mnist_id: shape.id,
        paint: paint.kind,
      })),
    ),
    categories: Array.from({ length: 10 }, (_, d) => ({ id: d + 1, name: String(d) })),
  };
  await writeFile(annotationFile, `${JSON.stringify(coco)}\n`);

  // Read it back the way users will; a box the loader rejects is a bug here.
  const dataset = await openCoco(annotationFile);
  const boxes = dataset.samples.reduce((n, s) => n + s.boxes.length, 0);
  if (dataset.samples.length !== images || boxes !== annotationId)
    throw new Error(
      `${annotationFile}: openCoco read ${dataset.samples.length} images and ${boxes} boxes, ` +
        `wrote ${images} and ${annotationId}`,
    );
  return { annotationFile, imagesDir, dataset };
}
