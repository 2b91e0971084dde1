// One entry point for every segmentation layout, chosen from the path:
// - a .json file: COCO instance annotations (polygons/RLE) painted into label maps on demand,
//   classes 'background' + the categories in id order;
// - a folder with SegmentationClass/: Pascal VOC (JPEGImages/<stem>.jpg, paletted masks, the
//   split's ImageSets/Segmentation/<split>.txt when present, VOC's 21 classes by default);
// - any other folder: images/ + masks/ (folder.ts), classes from `classes` or the folder's
//   classes.txt (one name per line, in index order).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../errors.js';
import { readDocument } from '../../guard/index.js';
import { readCocoFile } from '../detection/coco-schema.js';
import { locateFiles } from '../detection/locate.js';
import { Problems } from '../detection/problems.js';
import { type CocoMaskAnnotation, cocoToLabelMap } from './coco-masks.js';
import { openSegmentationFolder } from './folder.js';
import {
  DEFAULT_IGNORE_INDEX,
  type MaskMode,
  type SegmentationDataset,
  type SegmentationSample,
} from './types.js';

export interface OpenSegmentationOptions {
  /** Class names in index order (default: classes.txt, VOC's, or COCO's categories). */
  classes?: string[];
  /** A folder's classes when it has no classes.txt (e.g. a bundle's, when evaluating it). */
  defaultClasses?: string[];
  /** Folder masks: 'index' (default), 'palette' or 'binary'. */
  maskMode?: MaskMode;
  ignoreIndex?: number;
  /** COCO: the images folder (default: the annotation file's folder). */
  images?: string;
  /** VOC: which ImageSets/Segmentation list (default: train). */
  split?: 'train' | 'val' | 'test';
  skipBad?: boolean;
}

// biome-ignore format: one table
export const VOC_CLASSES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
  'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
  'train', 'tvmonitor',
];

const isFile = (file: string) =>
  fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

/** Non-empty trimmed lines of a classes.txt. */
export async function readClassesFile(file: string): Promise<string[]> {
  const text = await readDocument(file);
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

async function folderClasses(dir: string, options: OpenSegmentationOptions) {
  if (options.classes) return options.classes;
  const file = path.join(dir, 'classes.txt');
  if (await isFile(file)) return readClassesFile(file);
  if (options.defaultClasses) return options.defaultClasses;
  if (options.maskMode === 'binary') return ['background', 'foreground'];
  throw badInput(`${dir}: no classes.txt (one class name per line) and no --classes given`);
}

async function openVocSegmentation(dir: string, options: OpenSegmentationOptions) {
  const split = options.split ?? 'train';
  const list = path.join(dir, 'ImageSets', 'Segmentation', `${split}.txt`);
  const stems = (await isFile(list))
    ? await readClassesFile(list)
    : (await fs.readdir(path.join(dir, 'SegmentationClass')))
        .filter((f) => f.toLowerCase().endsWith('.png'))
        .map((f) => f.slice(0, -4))
        .sort();
  const problems = new Problems();
  const samples: SegmentationSample[] = [];
  for (const stem of stems) {
    // Not path.join: a refusal quotes the entry as written, `..` and all.
    const [image, mask] = await locateFiles(dir, [
      `JPEGImages${path.sep}${stem}.jpg`,
      `SegmentationClass${path.sep}${stem}.png`,
    ]);
    if (image && 'path' in image && mask && 'path' in mask)
      samples.push({ image: image.path, mask: mask.path });
    else
      problems.add(
        stem,
        [image, mask].flatMap((f) => (f && 'reason' in f ? [f.reason] : [])).join('; '),
      );
  }
  problems.check(dir, options.skipBad, 'bad image/mask pair');
  return {
    name: dir,
    classes: options.classes ?? VOC_CLASSES,
    ignoreIndex: options.ignoreIndex ?? DEFAULT_IGNORE_INDEX,
    maskMode: 'palette' as const,
    samples,
    skipped: problems.list,
  };
}

const cocoMaskAnnotationSchema = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  image_id: z.union([z.number(), z.string()]),
  category_id: z.number().int(),
  segmentation: z.union([
    z.array(z.array(z.number())),
    z.object({
      counts: z.union([z.array(z.number().int().nonnegative()), z.string()]),
      size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    }),
  ]),
  iscrowd: z.union([z.number(), z.boolean()]).optional(),
});

async function openCocoSegmentation(
  file: string,
  options: OpenSegmentationOptions,
): Promise<SegmentationDataset> {
  const coco = await readCocoFile(file, cocoMaskAnnotationSchema);
  const categories = [...coco.categories].sort((a, b) => a.id - b.id);
  const classIndex = new Map(categories.map((c, i) => [c.id, i + 1]));
  const byImage = new Map<string, CocoMaskAnnotation[]>();
  for (const a of coco.annotations) {
    const key = String(a.image_id);
    const list = byImage.get(key);
    if (list) list.push(a);
    else byImage.set(key, [a]);
  }
  const imagesDir = options.images ?? path.dirname(file);
  const ignoreIndex = options.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const problems = new Problems();
  for (const b of coco.bad) problems.add(b.where, b.reason);
  const samples: SegmentationSample[] = [];
  const located = await locateFiles(
    imagesDir,
    coco.images.map((im) => im.file_name),
  );
  coco.images.forEach((image, i) => {
    const found = located[i]!;
    if ('reason' in found) {
      problems.add(`${file}: image ${image.id}`, found.reason);
      return;
    }
    const annotations = byImage.get(String(image.id)) ?? [];
    const where = `${file} image ${image.id}`;
    samples.push({
      image: found.path,
      mask: where,
      paint: () =>
        cocoToLabelMap(annotations, classIndex, image.width, image.height, { ignoreIndex, where }),
    });
  });
  problems.check(file, options.skipBad, 'bad image or annotation');
  return {
    name: file,
    classes: options.classes ?? ['background', ...categories.map((c) => c.name)],
    ignoreIndex,
    maskMode: 'index',
    samples,
    skipped: problems.list,
  };
}

export async function openSegmentationData(
  location: string,
  options: OpenSegmentationOptions = {},
): Promise<SegmentationDataset> {
  if (path.extname(location).toLowerCase() === '.json')
    return openCocoSegmentation(location, options);
  const stat = await fs.stat(location).catch(() => undefined);
  if (!stat?.isDirectory())
    throw badInput(
      `${location}: ${stat ? 'not a segmentation data set' : 'not found'} (expected a folder with images/ and masks/, a Pascal VOC folder, or a COCO .json)`,
    );
  if (await fs.stat(path.join(location, 'SegmentationClass')).catch(() => undefined))
    return openVocSegmentation(location, options);
  return openSegmentationFolder(location, {
    classes: await folderClasses(location, options),
    mode: options.maskMode ?? 'index',
    ignoreIndex: options.ignoreIndex,
    skipBad: options.skipBad,
  });
}
