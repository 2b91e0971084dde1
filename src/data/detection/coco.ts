// COCO detection JSON (`images`, `annotations`, `categories`): boxes as given ([x, y, w, h] in
// pixels), categories in id order, `iscrowd` kept for evaluation, images without annotations kept
// as negatives. Image files are `file_name` under the images folder (default: the JSON's folder).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput } from '../../errors.js';
import { checkBox } from './check-box.js';
import { Problems } from './problems.js';
import type { DetectionDataset, DetectionLoadOptions, DetectionSample } from './types.js';

interface CocoJson {
  images?: { id: number | string; file_name: string; width: number; height: number }[];
  annotations?: {
    id?: number | string;
    image_id: number | string;
    category_id: number;
    bbox: number[];
    iscrowd?: number;
  }[];
  categories?: { id: number; name: string }[];
}

const exists = (file: string) =>
  fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

export async function openCoco(
  file: string,
  options: DetectionLoadOptions & { images?: string } = {},
): Promise<DetectionDataset> {
  let json: CocoJson;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw badInput(`${file}: cannot read COCO JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(json.images) || !Array.isArray(json.categories))
    throw badInput(`${file}: not a COCO detection file (needs "images" and "categories" arrays)`);
  const categories = [...json.categories].sort((a, b) => a.id - b.id);
  const categoryIndex = new Map(categories.map((c, i) => [c.id, i]));
  const imagesDir = options.images ?? path.dirname(file);
  const problems = new Problems();
  const byImage = new Map<number | string, DetectionSample>();
  for (const image of json.images) {
    const id = path.resolve(imagesDir, image.file_name);
    if (!(await exists(id))) {
      problems.add(`${file}: image ${image.id}`, `${id} does not exist`);
      continue;
    }
    byImage.set(image.id, {
      id,
      sourceId: image.id,
      width: image.width,
      height: image.height,
      boxes: [],
    });
  }
  for (const [i, a] of (json.annotations ?? []).entries()) {
    const where = `${file}: annotation ${a.id ?? `#${i}`}`;
    const sample = byImage.get(a.image_id);
    const category = categoryIndex.get(a.category_id);
    if (!json.images.some((im) => im.id === a.image_id)) {
      problems.add(where, `image_id ${a.image_id} is not in "images"`);
      continue;
    }
    if (!sample) continue; // its image is missing: counted once, above
    if (category === undefined) {
      problems.add(where, `category_id ${a.category_id} is not in "categories"`);
      continue;
    }
    const box = checkBox(a.bbox ?? [], sample.width, sample.height);
    if ('reason' in box) {
      problems.add(where, `${box.reason} (${sample.id})`);
      continue;
    }
    sample.boxes.push({ bbox: box.bbox, category, ...(a.iscrowd ? { iscrowd: true } : {}) });
  }
  problems.check(file, options.skipBad);
  return {
    name: file,
    format: 'coco',
    categories: categories.map((c) => c.name),
    categoryIds: categories.map((c) => c.id),
    samples: [...byImage.values()],
    skipped: problems.list,
  };
}
