// A segmentation folder: `dir/images/<stem>.jpg|jpeg|png` each with `dir/masks/<stem>.png`. Opening
// checks only that every mask exists and matches its image's size (headers, no decoding), both
// confined to the folder; mask values are checked when read (read-mask.ts). Problems fail
// together, or are skipped.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput } from '../../errors.js';
import { imageSize } from '../detection/image-size.js';
import { locateFiles } from '../detection/locate.js';
import { Problems } from '../detection/problems.js';
import {
  DEFAULT_IGNORE_INDEX,
  type MaskMode,
  type SegmentationDataset,
  type SegmentationSample,
} from './types.js';

export interface SegmentationFolderOptions {
  classes: string[];
  mode: MaskMode;
  /** Default 255. */
  ignoreIndex?: number;
  /** Leave out images with a missing or mismatched mask (counted in `skipped`) instead of failing. */
  skipBad?: boolean;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    throw badInput(`${dir}: folder not found (a segmentation folder holds images/ and masks/)`);
  }
}

export async function openSegmentationFolder(
  dir: string,
  options: SegmentationFolderOptions,
): Promise<SegmentationDataset> {
  if (options.classes.length === 0) throw badInput(`${dir}: no classes given`);
  const imagesDir = path.join(dir, 'images');
  const masksDir = path.join(dir, 'masks');
  const images = (await listFiles(imagesDir))
    .filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))
    .sort();
  if (images.length === 0) throw badInput(`${imagesDir}: no .jpg or .png images`);
  const masks = new Set(await listFiles(masksDir));
  const problems = new Problems();
  const samples: SegmentationSample[] = [];
  for (const name of images) {
    const image = path.join(imagesDir, name);
    const maskName = `${path.basename(name, path.extname(name))}.png`;
    const mask = path.join(masksDir, maskName);
    if (!masks.has(maskName)) {
      problems.add(image, `no mask ${mask}`);
      continue;
    }
    const [a, b] = await Promise.all(
      // Entries relative to the folder: `image` already starts with `dir`, which may be relative.
      (await locateFiles(dir, [path.join('images', name), path.join('masks', maskName)])).map(
        (f) => ('reason' in f ? f : imageSize(f.path)),
      ),
    );
    if ('reason' in a!) {
      problems.add(image, a.reason);
      continue;
    }
    if ('reason' in b!) {
      problems.add(mask, b.reason);
      continue;
    }
    if (a.width !== b.width || a.height !== b.height) {
      problems.add(
        image,
        `image is ${a.width}×${a.height} but its mask ${mask} is ${b.width}×${b.height}`,
      );
      continue;
    }
    samples.push({ image, mask });
  }
  problems.check(dir, options.skipBad, 'bad image/mask pair');
  return {
    name: dir,
    classes: options.classes,
    ignoreIndex: options.ignoreIndex ?? DEFAULT_IGNORE_INDEX,
    maskMode: options.mode,
    samples,
    skipped: problems.list,
  };
}
