// COCO detection JSON (`images`, `annotations`, `categories`): boxes as given ([x, y, w, h] in
// pixels), categories in id order, `iscrowd` kept for evaluation, images without annotations kept
// as negatives. Image files are `file_name` under the images folder (default: the JSON's folder),
// confined to it. Entries are schema-checked (coco-schema.ts); lookups go through maps, so a
// file with hundreds of thousands of images loads in linear time.
import path from 'node:path';
import { checkBox } from './check-box.js';
import { cocoBoxAnnotationSchema, readCocoFile } from './coco-schema.js';
import { locateFiles } from './locate.js';
import { Problems } from './problems.js';
import type { DetectionDataset, DetectionLoadOptions, DetectionSample } from './types.js';

export async function openCoco(
  file: string,
  options: DetectionLoadOptions & { images?: string } = {},
): Promise<DetectionDataset> {
  const coco = await readCocoFile(file, cocoBoxAnnotationSchema);
  const categories = [...coco.categories].sort((a, b) => a.id - b.id);
  const categoryIndex = new Map(categories.map((c, i) => [c.id, i]));
  const imagesDir = options.images ?? path.dirname(file);
  const problems = new Problems();
  for (const b of coco.bad) problems.add(b.where, b.reason);
  const byImage = new Map<number | string, DetectionSample>();
  const located = await locateFiles(
    imagesDir,
    coco.images.map((im) => im.file_name),
  );
  coco.images.forEach((image, i) => {
    const where = `${file}: image ${image.id}`;
    const found = located[i]!;
    if ('reason' in found) problems.add(where, found.reason);
    else if (byImage.has(image.id)) problems.add(where, `image id ${image.id} appears twice`);
    else
      byImage.set(image.id, {
        id: found.path,
        sourceId: image.id,
        width: image.width,
        height: image.height,
        boxes: [],
      });
  });
  for (const [i, a] of coco.annotations.entries()) {
    const where = `${file}: annotation ${a.id ?? `#${i}`}`;
    if (!coco.imageIds.has(a.image_id)) {
      problems.add(where, `image_id ${a.image_id} is not in "images"`);
      continue;
    }
    const sample = byImage.get(a.image_id);
    if (!sample) continue; // its image is bad or missing: counted once, above
    const category = categoryIndex.get(a.category_id);
    if (category === undefined) {
      problems.add(where, `category_id ${a.category_id} is not in "categories"`);
      continue;
    }
    const box = checkBox(a.bbox, sample.width, sample.height);
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
