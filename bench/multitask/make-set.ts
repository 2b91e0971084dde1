// The shared-image multi-task benchmark set (issue 27): one set of images that carries image
// labels, boxes and masks at once. The images and masks are the segmentation benchmark's
// (bench/segment/make-segmentation-set.ts: MNIST digits and Fashion-MNIST items on photo crops);
// from each image's objects this writes beside them
// - annotations.json: COCO boxes, the tight box of each object's visible pixels, categories the
//   20 object classes (the segmentation classes without background);
// - classes.csv: `path,label`, the image's label = the class of its largest visible object;
// - labels.csv: `path,labels`, every object class visible in the image, ';'-separated.
// So one folder is a segmentation folder, a COCO detection set, a classification manifest and a
// multi-label manifest over the same files.
//
// Usage: node --import tsx bench/multitask/make-set.ts --out DIR [--images 200] [--size 128]
//        [--seed 0] [--split train|test]
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAsScript } from '../run-as-script.js';
import {
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

const csvRow = (fields: string[]) =>
  fields.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');

export async function makeMultiTaskSet(options: SegmentationSetOptions): Promise<MultiTaskSet> {
  const set = await makeSegmentationSet(options);
  const { images } = JSON.parse(await readFile(join(set.dir, 'set.json'), 'utf8')) as {
    images: SegmentationImageInfo[];
  };
  // Mask value v > 0 is object class v - 1 (0 is background).
  const classes = set.classes.slice(1);
  const size = options.size ?? 128;
  const coco = {
    info: { description: 'visiontune multi-task benchmark (bench/multitask/make-set.ts)' },
    images: images.map((im, i) => ({ id: i + 1, file_name: im.file, width: size, height: size })),
    categories: classes.map((name, c) => ({ id: c + 1, name })),
    annotations: images
      .flatMap((im, i) =>
        im.objects
          .filter((o) => o.box)
          .map((o) => ({ image_id: i + 1, category_id: o.cls, bbox: o.box!, area: o.pixels })),
      )
      .map((a, k) => ({ id: k + 1, iscrowd: 0, ...a })),
  };
  const visible = (im: SegmentationImageInfo) => im.objects.filter((o) => o.pixels > 0);
  const largest = (im: SegmentationImageInfo) =>
    visible(im).reduce((a, b) => (b.pixels > a.pixels ? b : a));
  const single = images.map((im) => csvRow([im.file, classes[largest(im).cls - 1]!]));
  const multi = images.map((im) =>
    csvRow([im.file, [...new Set(visible(im).map((o) => classes[o.cls - 1]!))].join(';')]),
  );
  await Promise.all([
    writeFile(join(set.dir, 'annotations.json'), `${JSON.stringify(coco)}\n`),
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
