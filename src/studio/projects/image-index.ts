// The images a project holds, found by listing its task's image folders (layout.ts) and, for
// detection, its COCO files (which say each labelled image's split). Only plain files with a
// stored name and an image extension count: links, dotfiles (temp files) and anything a user put
// there by hand under another name are not the studio's images (and never served).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTENSIONS } from '../../data/decode.js';
import type { Split } from '../api-types.js';
import { readCoco } from './coco-store.js';
import { type ImageRef, refPath } from './image-ids.js';
import { classification, detection, type ProjectMeta, SPLITS, segmentation } from './layout.js';
import { CLASS_NAME, FILE_NAME } from './names.js';

export interface StoredImage {
  ref: ImageRef;
  /** Absolute path. */
  file: string;
  split: Split;
  label?: string;
  labelled: boolean;
  /** Detection: the COCO entry's size and box count; segmentation: read from the polygon file. */
  width?: number;
  height?: number;
  objects?: number;
  /** Detection: the classes of its boxes. */
  classes?: string[];
}

async function entries(dir: string) {
  return fs.readdir(dir, { withFileTypes: true }).catch(() => []);
}

/** The stored image names in a folder, sorted. */
export async function imageNames(dir: string): Promise<string[]> {
  return (await entries(dir))
    .filter(
      (e) =>
        e.isFile() &&
        FILE_NAME.test(e.name) &&
        IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()),
    )
    .map((e) => e.name)
    .sort();
}

/** The class folders of a classification split (real folders only, not links). */
export async function classFolders(project: string, split: Split): Promise<string[]> {
  return (await entries(classification.split(project, split)))
    .filter((e) => e.isDirectory() && CLASS_NAME.test(e.name))
    .map((e) => e.name)
    .sort();
}

async function unlabelled(project: string): Promise<StoredImage[]> {
  const found: StoredImage[] = [];
  for (const split of SPLITS)
    for (const name of await imageNames(detection.unlabelled(project, split))) {
      const ref: ImageRef = { kind: 'unlabelled', split, name };
      found.push({ ref, file: refPath(project, ref), split, labelled: false });
    }
  return found;
}

async function classificationImages(project: string): Promise<StoredImage[]> {
  const found: StoredImage[] = [];
  for (const split of SPLITS)
    for (const label of await classFolders(project, split))
      for (const name of await imageNames(path.join(classification.split(project, split), label))) {
        const ref: ImageRef = { kind: 'class', split, label, name };
        found.push({ ref, file: refPath(project, ref), split, label, labelled: true });
      }
  return found;
}

/** The target-domain images of a classification project. */
export async function targetImages(project: string): Promise<StoredImage[]> {
  return (await imageNames(classification.target(project))).map((name) => {
    const ref: ImageRef = { kind: 'target', name };
    return { ref, file: refPath(project, ref), split: 'train', labelled: false };
  });
}

async function detectionImages(project: string, meta: ProjectMeta): Promise<StoredImage[]> {
  const names = new Map(meta.classes.map((c, i) => [meta.categoryIds?.[i] ?? i + 1, c]));
  const listed = new Map<string, StoredImage>();
  for (const split of SPLITS) {
    const coco = await readCoco(project, split, meta);
    const byImage = new Map<number, string[]>();
    for (const a of coco.annotations) {
      const list = byImage.get(a.image_id) ?? [];
      list.push(names.get(a.category_id) ?? String(a.category_id));
      byImage.set(a.image_id, list);
    }
    for (const im of coco.images) {
      const ref: ImageRef = { kind: 'detection', name: im.file_name };
      const classes = byImage.get(im.id) ?? [];
      listed.set(im.file_name, {
        ref,
        file: refPath(project, ref),
        split,
        labelled: true,
        width: im.width,
        height: im.height,
        objects: classes.length,
        classes,
      });
    }
  }
  const found: StoredImage[] = [];
  for (const name of await imageNames(detection.images(project))) {
    const ref: ImageRef = { kind: 'detection', name };
    // A file no annotation file lists (left by a crash, or copied in by hand) waits for labels.
    found.push(
      listed.get(name) ?? { ref, file: refPath(project, ref), split: 'train', labelled: false },
    );
  }
  return found;
}

async function segmentationImages(project: string): Promise<StoredImage[]> {
  const found: StoredImage[] = [];
  for (const split of SPLITS)
    for (const name of await imageNames(segmentation.images(project, split))) {
      const ref: ImageRef = { kind: 'segmentation', split, name };
      found.push({ ref, file: refPath(project, ref), split, labelled: true });
    }
  return found;
}

/** Every labelled and unlabelled image of the project (not the target domain), sorted by id. */
export async function projectImages(project: string, meta: ProjectMeta): Promise<StoredImage[]> {
  const labelled =
    meta.task === 'classification'
      ? await classificationImages(project)
      : meta.task === 'detection'
        ? await detectionImages(project, meta)
        : await segmentationImages(project);
  return meta.task === 'classification' ? labelled : [...labelled, ...(await unlabelled(project))];
}
