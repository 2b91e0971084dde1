// A detection project's labels: one COCO file per split (annotations/<split>.json) in exactly the
// shape the CLI's COCO reader takes (data/detection/coco.ts): `file_name` relative to images/,
// width/height as decoding sees them, bbox [x, y, w, h] in pixels, area, iscrowd 0, and the
// project's classes as categories with stable ids (a class keeps its id through renames; a removed
// class's id is never reused), so both split files always agree on what an id means.
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { readJsonDocument } from '../../guard/read-input.js';
import { HttpError } from '../../serve/http-error.js';
import type { Split } from '../api-types.js';
import { detection, type ProjectMeta } from './layout.js';
import { writeInside } from './project-files.js';

const cocoSchema = z.object({
  images: z.array(
    z.object({
      id: z.number().int(),
      file_name: z.string(),
      width: z.number().positive(),
      height: z.number().positive(),
    }),
  ),
  annotations: z.array(
    z.object({
      id: z.number().int(),
      image_id: z.number().int(),
      category_id: z.number().int(),
      bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      area: z.number(),
      iscrowd: z.literal(0),
    }),
  ),
  categories: z.array(z.object({ id: z.number().int(), name: z.string() })),
});

export type CocoDoc = z.output<typeof cocoSchema>;
export type CocoImageEntry = CocoDoc['images'][number];
export type CocoAnnotation = CocoDoc['annotations'][number];

/** The categories of a detection project: its classes with their ids. */
export function categoriesOf(meta: ProjectMeta): CocoDoc['categories'] {
  const ids = meta.categoryIds ?? [];
  return meta.classes.map((name, i) => ({ id: ids[i] ?? i + 1, name }));
}

/** The split's COCO file; an empty one (with the project's categories) when it does not exist. */
export async function readCoco(project: string, split: Split, meta: ProjectMeta): Promise<CocoDoc> {
  const file = detection.annotations(project, split);
  const exists = await fs.stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) return { images: [], annotations: [], categories: categoriesOf(meta) };
  const parsed = cocoSchema.safeParse(await readJsonDocument(file));
  if (!parsed.success)
    throw new HttpError(
      500,
      'DAMAGED_PROJECT',
      `${file}: not an annotation file the studio wrote (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

/** Writes the split's COCO file atomically, with the project's current categories. */
export async function writeCoco(
  project: string,
  split: Split,
  meta: ProjectMeta,
  doc: CocoDoc,
): Promise<void> {
  const out: CocoDoc = { ...doc, categories: categoriesOf(meta) };
  await writeInside(project, detection.annotations(project, split), `${JSON.stringify(out)}\n`);
}

/** The next free id of a list of entries with numeric ids. */
export const nextId = (entries: { id: number }[]) =>
  entries.reduce((max, e) => Math.max(max, e.id), 0) + 1;
