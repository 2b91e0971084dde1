// GET/PUT …/labels/:id: the boxes (detection) or polygons (segmentation) of one image. A save
// checks the shapes against the image's size, writes them where the CLI reads them (coco-store.ts,
// mask-store.ts) and, on an image's first save, moves it from unlabelled/<split>/ into the
// labelled images: labels first, then the image, so the CLI never sees an image without its
// labels. A save with no shapes is an explicit negative (a detection image with no boxes, a
// segmentation mask all background).
import { promises as fs } from 'node:fs';
import { HttpError } from '../../serve/http-error.js';
import type { Box, ImageLabels, SavedLabels, Split } from '../api-types.js';
import { categoriesOf, nextId, readCoco, writeCoco } from './coco-store.js';
import { existingImage, type ImageRef, parseId, refPath } from './image-ids.js';
import { entryOf } from './images-list.js';
import { SPLITS } from './layout.js';
import { polygonPath, writeImageLabels } from './mask-store.js';
import { renameInside } from './project-files.js';
import { checkBoxes, checkPolygons } from './shapes.js';
import type { OpenProject, ProjectStore } from './store.js';

function denseOnly(project: OpenProject) {
  if (project.meta.task === 'classification')
    throw new HttpError(
      400,
      'BAD_REQUEST',
      "a classification image's label is its class (PATCH …/images moves it to another class)",
    );
}

async function detectionEntry(project: OpenProject, name: string) {
  for (const split of SPLITS) {
    const doc = await readCoco(project.folder, split, project.meta);
    const image = doc.images.find((im) => im.file_name === name);
    if (image) return { split, doc, image };
  }
  return undefined;
}

export async function getLabels(
  store: ProjectStore,
  name: string,
  id: string,
): Promise<ImageLabels> {
  const project = await store.open(name);
  denseOnly(project);
  const ref = parseId(project.meta.task, id);
  await existingImage(project.folder, ref);
  if (project.meta.task === 'detection') {
    const found = ref.kind === 'detection' ? await detectionEntry(project, ref.name) : undefined;
    const names = new Map(categoriesOf(project.meta).map((c) => [c.id, c.name]));
    const boxes: Box[] = (found?.doc.annotations ?? [])
      .filter((a) => a.image_id === found!.image.id)
      .map((a) => ({
        label: names.get(a.category_id) ?? String(a.category_id),
        x: a.bbox[0],
        y: a.bbox[1],
        width: a.bbox[2],
        height: a.bbox[3],
      }));
    return { id, boxes };
  }
  const saved =
    ref.kind === 'segmentation'
      ? await store.polygons.get(polygonPath(project.folder, ref.split, ref.name))
      : undefined;
  return { id, polygons: saved?.polygons ?? [] };
}

async function saveDetection(
  project: OpenProject,
  ref: ImageRef,
  file: string,
  body: ImageLabels,
  size: { width: number; height: number },
) {
  const { folder, meta } = project;
  const boxes = checkBoxes(body.boxes, meta.classes, size.width, size.height);
  const ids = new Map(categoriesOf(meta).map((c) => [c.name, c.id]));
  const found = ref.kind === 'detection' ? await detectionEntry(project, ref.name) : undefined;
  const split: Split = found?.split ?? ('split' in ref ? ref.split : 'train');
  const doc = found?.doc ?? (await readCoco(folder, split, meta));
  const imageId = found?.image.id ?? nextId(doc.images);
  if (!found)
    doc.images.push({ id: imageId, file_name: ref.name, width: size.width, height: size.height });
  doc.annotations = doc.annotations.filter((a) => a.image_id !== imageId);
  let annotationId = nextId(doc.annotations);
  for (const b of boxes)
    doc.annotations.push({
      id: annotationId++,
      image_id: imageId,
      category_id: ids.get(b.label)!,
      bbox: [b.x, b.y, b.width, b.height],
      area: b.width * b.height,
      iscrowd: 0,
    });
  const to: ImageRef = { kind: 'detection', name: ref.name };
  const target = refPath(folder, to);
  if (ref.kind === 'unlabelled') {
    if (
      await fs.lstat(target).then(
        () => true,
        () => false,
      )
    )
      throw new HttpError(409, 'NAME_TAKEN', `images/${ref.name} already exists`);
    // Here the image moves first: a COCO entry must name an existing file for the CLI.
    await renameInside(folder, file, target);
    try {
      await writeCoco(folder, split, meta, doc);
    } catch (err) {
      await fs.rename(target, file).catch(() => undefined);
      throw err;
    }
  } else await writeCoco(folder, split, meta, doc);
  return { ref: to, split, objects: boxes.length };
}

async function saveSegmentation(
  project: OpenProject,
  ref: ImageRef,
  file: string,
  body: ImageLabels,
  size: { width: number; height: number },
) {
  const { folder, meta } = project;
  const polygons = checkPolygons(body.polygons, meta.classes, size.width, size.height);
  if (ref.kind !== 'unlabelled' && ref.kind !== 'segmentation') throw new Error('unreachable');
  const split = ref.split;
  await writeImageLabels(folder, split, ref.name, { ...size, polygons }, meta.classes);
  const to: ImageRef = { kind: 'segmentation', split, name: ref.name };
  if (ref.kind === 'unlabelled') {
    const target = refPath(folder, to);
    if (
      await fs.lstat(target).then(
        () => true,
        () => false,
      )
    )
      throw new HttpError(409, 'NAME_TAKEN', `${split}/images/${ref.name} already exists`);
    await renameInside(folder, file, target);
  }
  return { ref: to, split, objects: polygons.length };
}

export async function putLabels(
  store: ProjectStore,
  name: string,
  id: string,
  body: ImageLabels,
): Promise<SavedLabels> {
  const input = (body ?? {}) as ImageLabels;
  const { result, revision } = await store.mutate(name, input.ifRevision, async (project) => {
    denseOnly(project);
    const ref = parseId(project.meta.task, id);
    const file = await existingImage(project.folder, ref);
    const size = await store.sizes.get(file);
    if (!size) throw new HttpError(422, 'BAD_IMAGE', `${id}: the image cannot be read`);
    const saved =
      project.meta.task === 'detection'
        ? await saveDetection(project, ref, file, input, size)
        : await saveSegmentation(project, ref, file, input, size);
    return { project, saved, size };
  });
  const { project, saved, size } = result;
  const image = await entryOf(store, project, {
    ref: saved.ref,
    file: refPath(project.folder, saved.ref),
    split: saved.split,
    labelled: true,
    ...size,
    objects: saved.objects,
  });
  return { image, revision };
}
