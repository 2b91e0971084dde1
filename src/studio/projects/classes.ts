// PUT …/classes: adding, renaming and removing classes, with the files that name them kept in
// step: classification's class folders are renamed; detection's categories keep their ids (both
// COCO files are rewritten with the new names); segmentation's classes.txt is rewritten, the
// polygon files that name a renamed class too, and removing a class (which shifts the indices
// after it) repaints every mask from its polygons. A class still in use is not removed (409).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HttpError } from '../../serve/http-error.js';
import type { EditClasses } from '../api-types.js';
import { readCoco, writeCoco } from './coco-store.js';
import { projectImages } from './image-index.js';
import { classification, type ProjectMeta, SPLITS, segmentation } from './layout.js';
import { polygonPath, readPolygonFile, writeClassFiles, writeImageLabels } from './mask-store.js';
import { checkClassName } from './names.js';
import { renameInside, writeInside } from './project-files.js';
import { MAX_CLASSES, type OpenProject } from './store.js';

interface Edit {
  add: string[];
  rename: { from: string; to: string }[];
  remove: string[];
}

function parseEdit(body: unknown): Edit {
  const input = (body ?? {}) as Record<string, unknown>;
  const list = (field: string) => {
    const value = input[field];
    if (value === undefined) return [];
    if (!Array.isArray(value))
      throw new HttpError(400, 'BAD_REQUEST', `${field}: must be an array`);
    return value;
  };
  return {
    add: list('add').map((c, i) => checkClassName(c, `add[${i}]`)),
    rename: list('rename').map((r, i) => ({
      from: checkClassName((r as { from?: unknown })?.from, `rename[${i}].from`),
      to: checkClassName((r as { to?: unknown })?.to, `rename[${i}].to`),
    })),
    remove: list('remove').map((c, i) => checkClassName(c, `remove[${i}]`)),
  };
}

/** How many images (classification), boxes (detection) or polygons (segmentation) use `label`. */
async function uses(
  project: OpenProject,
  label: string,
): Promise<{ count: number; what: [string, string] }> {
  const { folder, meta } = project;
  if (meta.task === 'classification') {
    const images = await projectImages(folder, meta);
    return { count: images.filter((im) => im.label === label).length, what: ['image', 'images'] };
  }
  if (meta.task === 'detection') {
    const id = meta.categoryIds?.[meta.classes.indexOf(label)];
    let count = 0;
    for (const split of SPLITS)
      count += (await readCoco(folder, split, meta)).annotations.filter(
        (a) => a.category_id === id,
      ).length;
    return { count, what: ['box', 'boxes'] };
  }
  let count = 0;
  for (const split of SPLITS)
    for (const file of await polygonFiles(folder, split))
      count += ((await readPolygonFile(file))?.polygons ?? []).filter(
        (p) => p.label === label,
      ).length;
  return { count, what: ['polygon', 'polygons'] };
}

async function polygonFiles(folder: string, split: (typeof SPLITS)[number]): Promise<string[]> {
  const dir = segmentation.polygons(folder, split);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => path.join(dir, n));
}

const conflict = (message: string) => new HttpError(409, 'CLASS_CONFLICT', message);

/** Applies the edit to the project's files and its metadata (saved by the caller). */
export async function editClasses(project: OpenProject, body: EditClasses): Promise<void> {
  const edit = parseEdit(body);
  const { folder, meta } = project;
  const before = [...meta.classes];
  const ids = [...(meta.categoryIds ?? meta.classes.map((_, i) => i + 1))];
  const classes = [...meta.classes];
  const background = meta.task === 'segmentation' ? segmentation.backgroundClass : undefined;
  for (const { from, to } of edit.rename) {
    const at = classes.indexOf(from);
    // One step per class: chains (a → b, b → c) would rename folders that do not exist yet.
    if (before.indexOf(from) !== at)
      throw new HttpError(400, 'BAD_REQUEST', `rename: '${from}' is renamed twice in one request`);
    if (at < 0) throw new HttpError(404, 'UNKNOWN_CLASS', `rename: no class '${from}'`);
    if (classes.includes(to)) throw conflict(`rename: '${to}' is already a class`);
    if (from === background) throw conflict(`rename: '${background}' is the masks' index 0`);
    classes[at] = to;
  }
  for (const name of edit.remove) {
    const at = classes.indexOf(name);
    if (at < 0) throw new HttpError(404, 'UNKNOWN_CLASS', `remove: no class '${name}'`);
    if (name === background) throw conflict(`remove: '${background}' is the masks' index 0`);
    const original = before[at] ?? name;
    const { count, what } = await uses(project, original);
    if (count > 0)
      throw conflict(
        `remove: '${name}' is used by ${count} ${what[count === 1 ? 0 : 1]}; relabel or delete them first`,
      );
    classes.splice(at, 1);
    ids.splice(at, 1);
    before.splice(at, 1);
  }
  for (const name of edit.add) {
    if (classes.includes(name)) throw conflict(`add: '${name}' is already a class`);
    classes.push(name);
    // Ids only grow; a removed class had no boxes, so its id coming back later means nothing.
    ids.push(Math.max(0, ...ids) + 1);
  }
  if (classes.length > MAX_CLASSES)
    throw new HttpError(400, 'BAD_CLASS_NAME', `add: a project has at most ${MAX_CLASSES} classes`);
  const renamed = new Map(edit.rename.map((r) => [r.from, r.to]));
  if (meta.task === 'classification') await renameClassFolders(folder, renamed);
  const changed: ProjectMeta = {
    ...meta,
    classes,
    ...(meta.task === 'detection' ? { categoryIds: ids } : {}),
  };
  if (meta.task === 'detection')
    for (const split of SPLITS)
      await writeCoco(folder, split, changed, await readCoco(folder, split, meta));
  if (meta.task === 'segmentation') {
    await writeClassFiles(folder, changed);
    await relabelMasks(project, changed, renamed, edit.remove.length > 0);
  }
  Object.assign(meta, changed);
}

async function renameClassFolders(folder: string, renamed: Map<string, string>) {
  // Through temporary names: a folder never lands on one that is about to be renamed away.
  const moves: { from: string; tmp: string; to: string }[] = [];
  for (const split of SPLITS)
    for (const [from, to] of renamed) {
      const dir = classification.split(folder, split);
      const exists = await fs.stat(path.join(dir, from)).then(
        () => true,
        () => false,
      );
      if (exists)
        moves.push({
          from: path.join(dir, from),
          tmp: path.join(dir, `.rename-${moves.length}`),
          to: path.join(dir, to),
        });
    }
  for (const m of moves) await renameInside(folder, m.from, m.tmp);
  for (const m of moves) await renameInside(folder, m.tmp, m.to);
}

/** Rewrites polygon files that name a renamed class; repaints masks when indices shifted. */
async function relabelMasks(
  project: OpenProject,
  meta: ProjectMeta,
  renamed: Map<string, string>,
  repaint: boolean,
) {
  const { folder } = project;
  for (const image of await projectImages(folder, meta)) {
    if (image.ref.kind !== 'segmentation') continue;
    const file = polygonPath(folder, image.split, image.ref.name);
    const labels = await readPolygonFile(file);
    if (!labels) continue;
    const named = labels.polygons.some((p) => renamed.has(p.label));
    if (!named && !repaint) continue;
    const polygons = labels.polygons.map((p) => ({ ...p, label: renamed.get(p.label) ?? p.label }));
    if (repaint)
      await writeImageLabels(
        folder,
        image.split,
        image.ref.name,
        { ...labels, polygons },
        meta.classes,
      );
    else await writeInside(folder, file, `${JSON.stringify({ ...labels, polygons })}\n`);
  }
}
