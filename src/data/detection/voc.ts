// Pascal VOC layout: `Annotations/*.xml` (one per image: `filename`, `size`, `object`s with `name`,
// `bndbox` xmin/ymin/xmax/ymax and `difficult`) beside `JPEGImages/`. VOC corners are 1-based and
// inclusive (the devkit's convention), so a box is [xmin − 1, ymin − 1, xmax − xmin + 1,
// ymax − ymin + 1] in pixels. Categories: the given list, or every name found, sorted.
// The XML files and the images they name are confined to the VOC folder; an XML is read under the
// document size limit, and one that declares entities (VOC files never do; "billion laughs"
// expansion bombs do) is refused before parsing, with the parser's entity processing off besides.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { badInput } from '../../errors.js';
import { confine, readDocument } from '../../guard/index.js';
import { checkBox } from './check-box.js';
import { describeIssues } from './coco-schema.js';
import { locateFile } from './locate.js';
import { Problems } from './problems.js';
import type { DetectionDataset, DetectionLoadOptions, DetectionSample } from './types.js';

const text = z.union([z.string(), z.number()]).transform(String);
const vocObjectSchema = z.object({
  name: text,
  difficult: z.unknown().optional(),
  bndbox: z.object({ xmin: z.unknown(), ymin: z.unknown(), xmax: z.unknown(), ymax: z.unknown() }),
});
type VocObject = z.output<typeof vocObjectSchema>;

const vocAnnotationSchema = z.object({
  filename: text.pipe(z.string().min(1)),
  size: z.object({ width: z.number().positive(), height: z.number().positive() }),
  object: z.unknown().optional(),
});
type VocAnnotation = z.output<typeof vocAnnotationSchema>;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: true,
  processEntities: false,
});

/** The `<annotation>` of one VOC XML file, or why it cannot be used. */
export function parseVocXml(xml: string): { doc: VocAnnotation } | { reason: string } {
  if (/<!ENTITY/i.test(xml))
    return { reason: 'declares XML entities (refused: VOC files have none)' };
  let root: unknown;
  try {
    root = parser.parse(xml);
  } catch (err) {
    return { reason: `cannot parse (${(err as Error).message.split('\n')[0]})` };
  }
  const annotation = (root as { annotation?: unknown } | null)?.annotation;
  if (!annotation || typeof annotation !== 'object') return { reason: 'no <annotation> element' };
  const parsed = vocAnnotationSchema.safeParse(annotation);
  return parsed.success
    ? { doc: parsed.data }
    : {
        reason: `needs <filename> and a <size> with width and height (${describeIssues(parsed.error)})`,
      };
}

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
  const parsed: { file: string; doc: VocAnnotation; objects: unknown[] }[] = [];
  for (const name of files) {
    const file = path.join(annotations, name);
    try {
      const found = await locateXml(dir, file);
      const result = parseVocXml(await readDocument(found));
      if ('reason' in result) problems.add(file, result.reason);
      else parsed.push({ file, doc: result.doc, objects: [result.doc.object ?? []].flat() });
    } catch (err) {
      problems.add(file, (err as Error).message);
    }
  }
  const names = parsed.flatMap(({ objects }) =>
    objects.map((o) => (o as { name?: unknown } | null)?.name),
  );
  const categories =
    options.classes ??
    [...new Set(names.filter((n) => n !== undefined && n !== '').map(String))].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  const samples: DetectionSample[] = [];
  for (const { file, doc, objects } of parsed) {
    // Not path.join: the message quotes the entry as written, `..` and all.
    const found = await locateFile(dir, `JPEGImages${path.sep}${doc.filename}`);
    if ('reason' in found) {
      problems.add(file, `<filename> ${found.reason}`);
      continue;
    }
    const { width, height } = doc.size;
    const sample: DetectionSample = { id: found.path, width, height, boxes: [] };
    objects.forEach((raw, i) => {
      const where = `${file}: object ${i + 1}`;
      const checked = vocObjectSchema.safeParse(raw);
      if (!checked.success) {
        problems.add(where, `needs <name> and <bndbox> (${describeIssues(checked.error)})`);
        return;
      }
      const o: VocObject = checked.data;
      const category = index.get(o.name);
      if (category === undefined) {
        problems.add(where, `class "${o.name}" is not one of ${categories.join(', ')}`);
        return;
      }
      const b = o.bndbox;
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

/** An annotation file, confined to the VOC folder (it may be a link to elsewhere). */
async function locateXml(dir: string, file: string): Promise<string> {
  const confined = await confine(dir, path.relative(dir, file));
  if ('reason' in confined) throw new Error(confined.reason);
  return confined.path;
}
