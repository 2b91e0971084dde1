// A segmentation project's labels: per split, the polygons drawn on each image
// (<split>/polygons/<stem>.json, the editor's source of truth) and the index mask made from them
// (<split>/masks/<stem>.png: one 8-bit gray channel, 0 = background, a polygon's class index
// inside it), which is what the CLI's folder reader trains on (data/segmentation/folder.ts,
// read-mask.ts in 'index' mode), plus <split>/classes.txt (one class per line, in index order).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { readJsonDocument } from '../../guard/read-input.js';
import type { Polygon, Split } from '../api-types.js';
import { type ProjectMeta, SPLITS, segmentation } from './layout.js';
import { renameInside, writeInside } from './project-files.js';
import { rasterize } from './shapes.js';

const polygonFileSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  polygons: z.array(
    z.object({ label: z.string(), points: z.array(z.tuple([z.number(), z.number()])) }),
  ),
});
export type PolygonFile = z.output<typeof polygonFileSchema>;

const stem = (name: string) => path.basename(name, path.extname(name));

export const polygonPath = (project: string, split: Split, name: string) =>
  path.join(segmentation.polygons(project, split), `${stem(name)}.json`);

export const maskPath = (project: string, split: Split, name: string) =>
  path.join(segmentation.masks(project, split), `${stem(name)}.png`);

/** A polygon file, or undefined when it is missing or not one the studio wrote. */
export async function readPolygonFile(file: string): Promise<PolygonFile | undefined> {
  const json = await readJsonDocument(file).catch(() => undefined);
  const parsed = polygonFileSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Writes an image's polygons and the index mask painted from them (both atomically). */
export async function writeImageLabels(
  project: string,
  split: Split,
  name: string,
  labels: PolygonFile,
  classes: readonly string[],
): Promise<void> {
  const { width, height } = labels;
  const index = new Map(classes.map((c, i) => [c, i]));
  const mask = rasterize(
    width,
    height,
    labels.polygons.map((p: Polygon) => ({ index: index.get(p.label) ?? 0, points: p.points })),
  );
  const png = await sharp(Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength), {
    raw: { width, height, channels: 1 },
  })
    .png()
    .toBuffer();
  await writeInside(project, polygonPath(project, split, name), `${JSON.stringify(labels)}\n`);
  await writeInside(project, maskPath(project, split, name), png);
}

/** Writes classes.txt of both splits (the CLI reads each split's folder on its own). */
export async function writeClassFiles(project: string, meta: ProjectMeta): Promise<void> {
  for (const split of SPLITS)
    await writeInside(
      project,
      segmentation.classes(project, split),
      `${meta.classes.join('\n')}\n`,
    );
}

/** Removes an image's polygons and mask (when present). */
export async function removeImageLabels(project: string, split: Split, name: string) {
  await fs.rm(polygonPath(project, split, name), { force: true });
  await fs.rm(maskPath(project, split, name), { force: true });
}

/** Moves an image's polygons and mask to another split's folders. */
export async function moveImageLabels(project: string, from: Split, to: Split, name: string) {
  for (const file of [polygonPath, maskPath]) {
    await renameInside(project, file(project, from, name), file(project, to, name)).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
  }
}
