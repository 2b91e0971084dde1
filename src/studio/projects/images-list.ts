// GET …/images: a project's images as entries (id, split, class, labelled, size, objects),
// filtered and paged. Sizes come from the annotation file (detection) or the image header, read
// once per file version (store.sizes), and only for the page asked for.
import { mapLimited } from '../../data/limit.js';
import { HttpError } from '../../serve/http-error.js';
import type { ImageEntry, ImageList, Split } from '../api-types.js';
import { refId } from './image-ids.js';
import { projectImages, type StoredImage, targetImages } from './image-index.js';
import { SPLITS } from './layout.js';
import { polygonPath } from './mask-store.js';
import type { OpenProject, ProjectStore } from './store.js';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** The segmentation polygons saved for an image (undefined when it has none). */
async function polygonsOf(store: ProjectStore, project: OpenProject, image: StoredImage) {
  if (project.meta.task !== 'segmentation' || !image.labelled) return undefined;
  return store.polygons.get(polygonPath(project.folder, image.split, image.ref.name));
}

export async function entryOf(
  store: ProjectStore,
  project: OpenProject,
  image: StoredImage,
): Promise<ImageEntry> {
  const size =
    image.width !== undefined && image.height !== undefined
      ? { width: image.width, height: image.height }
      : await store.sizes.get(image.file);
  const entry: ImageEntry = {
    id: refId(image.ref),
    split: image.split,
    labelled: image.labelled,
    width: size?.width ?? 0,
    height: size?.height ?? 0,
  };
  if (image.label !== undefined) entry.label = image.label;
  if (project.meta.task === 'detection') entry.objects = image.objects ?? 0;
  if (project.meta.task === 'segmentation')
    entry.objects = (await polygonsOf(store, project, image))?.polygons.length ?? 0;
  return entry;
}

function intParam(value: unknown, field: string, fallback: number, min: number, max: number) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new HttpError(400, 'BAD_REQUEST', `${field}: must be an integer from ${min} to ${max}`);
  return n;
}

function boolParam(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new HttpError(400, 'BAD_REQUEST', `${field}: must be true or false`);
}

export function splitParam(value: unknown, field = 'split'): Split | undefined {
  if (value === undefined || value === '') return undefined;
  if (!SPLITS.includes(value as Split))
    throw new HttpError(
      400,
      'BAD_SPLIT',
      `${field}: '${value}' is not a split (${SPLITS.join(', ')})`,
    );
  return value as Split;
}

export async function listImages(
  store: ProjectStore,
  project: OpenProject,
  query: Record<string, unknown>,
): Promise<ImageList> {
  const split = splitParam(query.split);
  const labelled = boolParam(query.labelled, 'labelled');
  const target = boolParam(query.target, 'target') === true;
  const offset = intParam(query.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(query.limit, 'limit', DEFAULT_PAGE, 1, MAX_PAGE);
  const label = typeof query.label === 'string' && query.label !== '' ? query.label : undefined;
  if (target && project.meta.task !== 'classification')
    throw new HttpError(
      400,
      'BAD_REQUEST',
      'target: only classification projects have target images',
    );
  let images = target
    ? await targetImages(project.folder)
    : await projectImages(project.folder, project.meta);
  if (split) images = images.filter((im) => im.split === split);
  if (labelled !== undefined) images = images.filter((im) => im.labelled === labelled);
  if (label !== undefined) {
    const kept: StoredImage[] = [];
    for (const im of images) {
      const classes =
        im.label !== undefined
          ? [im.label]
          : (im.classes ??
            ((await polygonsOf(store, project, im))?.polygons ?? []).map((p) => p.label));
      if (classes.includes(label)) kept.push(im);
    }
    images = kept;
  }
  images.sort((a, b) => (refId(a.ref) < refId(b.ref) ? -1 : 1));
  const page = images.slice(offset, offset + limit);
  return {
    images: await mapLimited(page, 16, (im) => entryOf(store, project, im)),
    total: images.length,
  };
}
