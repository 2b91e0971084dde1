// The shared-image multi-task benchmark set (issue 27): one set of images that carries image
// labels, boxes and masks at once. The images and masks are the segmentation benchmark's
// (bench/segment/make-segmentation-set.ts: MNIST digits and Fashion-MNIST items on photo crops);
// from each image's objects this writes beside them
// - annotations.json: COCO boxes, the tight box of each object's visible pixels, categories the
//   20 object classes (the segmentation classes without background);
// - classes.csv: `path,label`, the image's label = the class of its largest visible object;
// - labels.csv: `path,labels`, every object class visible in the image, ';'-separated.
// So one folder is a segmentation folder, a COCO detection set, a classification manifest and a
// multi-label manifest over the same files. The same objects at the coarser level of their kind
// (digit or garment):
// - annotations-kinds.json: the boxes with categories `digit` and `garment`, each with its
//   object's visible pixels as COCO RLE: a detection set and a segmentation set (background,
//   digit, garment) in one file, naming the same image files.
//
// Usage: node --import tsx bench/multitask/make-set.ts --out DIR [--images 200] [--size 128]
//        [--seed 0] [--split train|test]
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { mapLimited } from '../../src/data/limit.js';
import { encodeCounts, encodeRle } from '../../src/data/segmentation/rle.js';
import { runAsScript } from '../run-as-script.js';
import {
  FASHION_OFFSET,
  makeSegmentationSet,
  type SegmentationImageInfo,
  type SegmentationSetOptions,
} from '../segment/make-segmentation-set.js';

export interface MultiTaskSet {
  dir: string;
  /** The 20 object classes (COCO categories, classification and multi-label classes). */
  classes: string[];
  images: number;
}

/** The coarse level: each object's kind. */
export const KINDS = ['digit', 'garment'] as const;
/** Mask value v > 0 (object class v - 1) → its kind's index in KINDS. */
const kindOf = (maskValue: number) => (maskValue < FASHION_OFFSET ? 0 : 1);

const csvRow = (fields: string[]) =>
  fields.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');

/** Per image, its mask's values (row-major), read back from the written index PNG. */
async function readMask(dir: string, im: SegmentationImageInfo): Promise<Uint8Array> {
  const { data } = await sharp(join(dir, im.mask))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return data;
}

/** An object's visible pixels (its class's mask value inside its box) as compressed COCO RLE. */
function objectRle(mask: Uint8Array, size: number, cls: number, box: readonly number[]) {
  const [x0, y0, w, h] = box as [number, number, number, number];
  const inside = new Uint8Array(size * size);
  for (let y = Math.floor(y0); y < Math.min(size, Math.ceil(y0 + h)); y++)
    for (let x = Math.floor(x0); x < Math.min(size, Math.ceil(x0 + w)); x++)
      if (mask[y * size + x] === cls) inside[y * size + x] = 1;
  const rle = encodeRle(inside, size, size);
  return { counts: encodeCounts(rle.counts as number[]), size: rle.size };
}

export async function makeMultiTaskSet(options: SegmentationSetOptions): Promise<MultiTaskSet> {
  const set = await makeSegmentationSet(options);
  const { images } = JSON.parse(await readFile(join(set.dir, 'set.json'), 'utf8')) as {
    images: SegmentationImageInfo[];
  };
  // Mask value v > 0 is object class v - 1 (0 is background).
  const classes = set.classes.slice(1);
  const size = options.size ?? 128;
  const masks = await mapLimited(images, 8, (im) => readMask(set.dir, im));
  // COCO boxes with categories `names`, object class v → category `category(v)` (1-based); with
  // `withMasks`, each object's visible pixels too.
  const coco = (
    names: readonly string[],
    category: (maskValue: number) => number,
    withMasks: boolean,
  ) => ({
    info: { description: 'visiontune multi-task benchmark (bench/multitask/make-set.ts)' },
    images: images.map((im, i) => ({ id: i + 1, file_name: im.file, width: size, height: size })),
    categories: names.map((name, c) => ({ id: c + 1, name })),
    annotations: images
      .flatMap((im, i) =>
        im.objects
          .filter((o) => o.box)
          .map((o) => ({
            image_id: i + 1,
            category_id: category(o.cls),
            bbox: o.box!,
            area: o.pixels,
            ...(withMasks ? { segmentation: objectRle(masks[i]!, size, o.cls, o.box!) } : {}),
          })),
      )
      .map((a, k) => ({ id: k + 1, iscrowd: 0, ...a })),
  });
  const visible = (im: SegmentationImageInfo) => im.objects.filter((o) => o.pixels > 0);
  const largest = (im: SegmentationImageInfo) =>
    visible(im).reduce((a, b) => (b.pixels > a.pixels ? b : a));
  const single = images.map((im) => csvRow([im.file, classes[largest(im).cls - 1]!]));
  const multi = images.map((im) =>
    csvRow([im.file, [...new Set(visible(im).map((o) => classes[o.cls - 1]!))].join(';')]),
  );
  await Promise.all([
    writeFile(
      join(set.dir, 'annotations.json'),
      `${JSON.stringify(coco(classes, (v) => v, false))}\n`,
    ),
    writeFile(
      join(set.dir, 'annotations-kinds.json'),
      `${JSON.stringify(coco(KINDS, (v) => kindOf(v) + 1, true))}\n`,
    ),
    writeFile(join(set.dir, 'classes.csv'), `path,label\n${single.join('\n')}\n`),
    writeFile(join(set.dir, 'labels.csv'), `path,labels\n${multi.join('\n')}\n`),
  ]);
  return { dir: set.dir, classes, images: images.length };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const out = arg('out');
  if (!out) throw new Error('usage: make-set.ts --out DIR [--images N --size S --seed K]');
  const split = arg('split') ?? 'train';
  if (split !== 'train' && split !== 'test') throw new Error('--split: train or test');
  const made = await makeMultiTaskSet({
    dir: out,
    images: Number(arg('images') ?? 200),
    size: Number(arg('size') ?? 128),
    seed: Number(arg('seed') ?? 0),
    split,
  });
  console.log(JSON.stringify(made));
}

await runAsScript(import.meta.url, main);
