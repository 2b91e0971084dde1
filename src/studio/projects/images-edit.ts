// Moving images between splits and classes, and deleting them. Every file move is one rename
// within the project (atomic); a detection image's split is its entry in a split's COCO file, so
// moving it moves the entry (with its boxes); a segmentation image takes its mask and polygons
// along. A class folder goes when its last image leaves, and an empty data/test/ with it, since
// the CLI's folder reader refuses empty class folders.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HttpError } from '../../serve/http-error.js';
import type { DeleteImages, ImageEntry, MoveImages, Split } from '../api-types.js';
import { nextId, readCoco, writeCoco } from './coco-store.js';
import { existingImage, type ImageRef, parseId, refId, refPath } from './image-ids.js';
import { classFolders, projectImages, targetImages } from './image-index.js';
import { entryOf, splitParam } from './images-list.js';
import { classification, SPLITS } from './layout.js';
import { moveImageLabels, removeImageLabels } from './mask-store.js';
import { checkClassName } from './names.js';
import { renameInside } from './project-files.js';
import type { OpenProject, ProjectStore } from './store.js';

/** Ids of one request at most. */
export const MAX_IDS = 10_000;

function idsOf(body: unknown): string[] {
  const ids = (body as { ids?: unknown } | null)?.ids;
  if (!Array.isArray(ids) || ids.length === 0)
    throw new HttpError(400, 'BAD_REQUEST', 'ids: a non-empty array of image ids');
  if (ids.length > MAX_IDS) throw new HttpError(400, 'BAD_REQUEST', `ids: at most ${MAX_IDS}`);
  return [...new Set(ids as string[])];
}

/** Removes empty class folders and an empty data/test/ (never data/train/). */
export async function pruneClassFolders(folder: string): Promise<void> {
  for (const split of SPLITS) {
    for (const label of await classFolders(folder, split))
      await fs.rmdir(path.join(classification.split(folder, split), label)).catch(() => undefined);
  }
  await fs.rmdir(classification.split(folder, 'test')).catch(() => undefined);
}

/** Renames `from` to `to`, refusing to replace an existing file. */
async function moveFile(project: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  if (
    await fs.lstat(to).then(
      () => true,
      () => false,
    )
  )
    throw new HttpError(
      409,
      'NAME_TAKEN',
      `${path.basename(to)} already exists where the image should go`,
    );
  await renameInside(project, from, to);
}

/** The split a detection image's COCO entry is in, or undefined (not labelled yet). */
async function detectionSplit(project: OpenProject, name: string): Promise<Split | undefined> {
  for (const split of SPLITS)
    if (
      (await readCoco(project.folder, split, project.meta)).images.some(
        (im) => im.file_name === name,
      )
    )
      return split;
  return undefined;
}

async function moveCocoEntry(project: OpenProject, name: string, from: Split, to: Split) {
  const { folder, meta } = project;
  const source = await readCoco(folder, from, meta);
  const target = await readCoco(folder, to, meta);
  const image = source.images.find((im) => im.file_name === name)!;
  const boxes = source.annotations.filter((a) => a.image_id === image.id);
  const imageId = nextId(target.images);
  let annotationId = nextId(target.annotations);
  target.images.push({ ...image, id: imageId });
  for (const a of boxes) target.annotations.push({ ...a, id: annotationId++, image_id: imageId });
  source.images = source.images.filter((im) => im !== image);
  source.annotations = source.annotations.filter((a) => a.image_id !== image.id);
  // The entry is written into its new split first: a crash between leaves it in both, not lost.
  await writeCoco(folder, to, meta, target);
  await writeCoco(folder, from, meta, source);
}

async function moveOne(
  project: OpenProject,
  ref: ImageRef,
  split?: Split,
  label?: string,
): Promise<ImageRef> {
  const { folder, meta } = project;
  const file = await existingImage(folder, ref);
  if (label !== undefined && meta.task !== 'classification')
    throw new HttpError(
      400,
      'BAD_LABEL',
      `label: a ${meta.task} image's labels are its shapes (PUT …/labels/:id)`,
    );
  let to: ImageRef;
  switch (ref.kind) {
    case 'class':
      to = { ...ref, split: split ?? ref.split, label: label ?? ref.label };
      break;
    case 'target':
      if (label === undefined)
        throw new HttpError(
          400,
          'BAD_LABEL',
          `label: moving target image ${refId(ref)} into the data needs its class`,
        );
      to = { kind: 'class', split: split ?? 'train', label, name: ref.name };
      break;
    case 'unlabelled':
    case 'segmentation':
      to = { ...ref, split: split ?? ref.split };
      break;
    case 'detection': {
      const from = await detectionSplit(project, ref.name);
      if (split !== undefined && from !== undefined && split !== from)
        await moveCocoEntry(project, ref.name, from, split);
      return ref;
    }
  }
  if (to.kind === 'segmentation' && ref.kind === 'segmentation' && to.split !== ref.split)
    await moveImageLabels(folder, ref.split, to.split, ref.name);
  await moveFile(folder, file, refPath(folder, to));
  return to;
}

export async function moveImages(store: ProjectStore, name: string, body: MoveImages) {
  const ids = idsOf(body);
  const split = splitParam(body.split);
  const label = body.label === undefined ? undefined : checkClassName(body.label, 'label');
  if (split === undefined && label === undefined)
    throw new HttpError(400, 'BAD_REQUEST', 'split or label: say where the images go');
  const { result, revision } = await store.mutate(name, body.ifRevision, async (project) => {
    const refs = ids.map((id) => parseId(project.meta.task, id));
    for (const ref of refs) await existingImage(project.folder, ref);
    if (label !== undefined && !project.meta.classes.includes(label))
      project.meta.classes.push(label);
    const moved: ImageRef[] = [];
    try {
      for (const ref of refs) moved.push(await moveOne(project, ref, split, label));
    } finally {
      if (project.meta.task === 'classification') await pruneClassFolders(project.folder);
    }
    return moved;
  });
  const project = await store.open(name);
  const all = [
    ...(await projectImages(project.folder, project.meta)),
    ...(await targetImages(project.folder)),
  ];
  const byId = new Map(all.map((im) => [refId(im.ref), im]));
  const images: ImageEntry[] = [];
  for (const ref of result) {
    const stored = byId.get(refId(ref));
    if (stored) images.push(await entryOf(store, project, stored));
  }
  return { images, revision };
}

async function deleteOne(project: OpenProject, ref: ImageRef): Promise<void> {
  const { folder, meta } = project;
  const file = await existingImage(folder, ref);
  if (ref.kind === 'detection') {
    const split = await detectionSplit(project, ref.name);
    if (split) {
      const doc = await readCoco(folder, split, meta);
      const image = doc.images.find((im) => im.file_name === ref.name)!;
      doc.images = doc.images.filter((im) => im !== image);
      doc.annotations = doc.annotations.filter((a) => a.image_id !== image.id);
      await writeCoco(folder, split, meta, doc);
    }
  }
  await fs.rm(file);
  if (ref.kind === 'segmentation') await removeImageLabels(folder, ref.split, ref.name);
}

export async function deleteImages(store: ProjectStore, name: string, body: DeleteImages) {
  const ids = idsOf(body);
  const { result, revision } = await store.mutate(name, body.ifRevision, async (project) => {
    const refs = ids.map((id) => parseId(project.meta.task, id));
    for (const ref of refs) await existingImage(project.folder, ref);
    try {
      for (const ref of refs) await deleteOne(project, ref);
    } finally {
      if (project.meta.task === 'classification') await pruneClassFolders(project.folder);
    }
    return refs.length;
  });
  return { deleted: result, revision };
}
