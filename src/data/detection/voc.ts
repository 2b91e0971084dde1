// Pascal VOC layout: `Annotations/*.xml` (one per image: `filename`, `size`, `object`s with `name`,
// `bndbox` xmin/ymin/xmax/ymax and `difficult`) beside `JPEGImages/`. VOC corners are 1-based and
// inclusive (the devkit's convention), so a box is [xmin − 1, ymin − 1, xmax − xmin + 1,
// ymax − ymin + 1] in pixels. Categories: the given list, or every name found, sorted.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { badInput } from '../../errors.js';
import { checkBox } from './check-box.js';
import { Problems } from './problems.js';
import type { DetectionDataset, DetectionLoadOptions, DetectionSample } from './types.js';

interface VocObject {
  name?: string;
  difficult?: number;
  bndbox?: { xmin?: number; ymin?: number; xmax?: number; ymax?: number };
}

interface VocAnnotation {
  filename?: string;
  size?: { width?: number; height?: number };
  object?: VocObject | VocObject[];
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: true });

export async function openVoc(
  dir: string,
  options: DetectionLoadOptions & { classes?: string[] } = {},
): Promise<DetectionDataset> {
  const annotations = path.join(dir, 'Annotations');
  const files = (await fs.readdir(annotations).catch(() => undefined))
    ?.filter((f) => f.toLowerCase().endsWith('.xml'))
    .sort();
  if (!files) throw badInput(`${dir}: no Annotations folder (Pascal VOC layout)`);
  const problems = new Problems();
  const parsed: { file: string; doc: VocAnnotation }[] = [];
  for (const name of files) {
    const file = path.join(annotations, name);
    try {
      const doc = parser.parse(await fs.readFile(file, 'utf8')).annotation as VocAnnotation;
      if (!doc) throw new Error('no <annotation> element');
      parsed.push({ file, doc });
    } catch (err) {
      problems.add(file, `cannot parse (${(err as Error).message})`);
    }
  }
  const objects = (doc: VocAnnotation) => [doc.object ?? []].flat();
  const categories =
    options.classes ??
    [...new Set(parsed.flatMap(({ doc }) => objects(doc).map((o) => String(o.name))))].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  const samples: DetectionSample[] = [];
  for (const { file, doc } of parsed) {
    const id = path.join(dir, 'JPEGImages', String(doc.filename ?? ''));
    const width = Number(doc.size?.width);
    const height = Number(doc.size?.height);
    if (!doc.filename || !(width > 0 && height > 0)) {
      problems.add(file, 'needs <filename> and a <size> with width and height');
      continue;
    }
    if (
      !(await fs.stat(id).then(
        (s) => s.isFile(),
        () => false,
      ))
    ) {
      problems.add(file, `${id} does not exist`);
      continue;
    }
    const sample: DetectionSample = { id, width, height, boxes: [] };
    objects(doc).forEach((o, i) => {
      const where = `${file}: object ${i + 1}`;
      const category = index.get(String(o.name));
      if (category === undefined) {
        problems.add(where, `class "${o.name}" is not one of ${categories.join(', ')}`);
        return;
      }
      const b = o.bndbox ?? {};
      const box = checkBox(
        [
          Number(b.xmin) - 1,
          Number(b.ymin) - 1,
          Number(b.xmax) - Number(b.xmin) + 1,
          Number(b.ymax) - Number(b.ymin) + 1,
        ],
        width,
        height,
      );
      if ('reason' in box) problems.add(where, box.reason);
      else
        sample.boxes.push({
          bbox: box.bbox,
          category,
          ...(Number(o.difficult) === 1 ? { difficult: true } : {}),
        });
    });
    samples.push(sample);
  }
  problems.check(dir, options.skipBad);
  return { name: dir, format: 'voc', categories, samples, skipped: problems.list };
}
