// Adding images (uploads, folder imports, target-domain images): each candidate is checked
// (image-check.ts) before the project is touched, then written under a new safe name whose stem
// no other image of the project has (a detection image keeps its name when it moves into images/,
// a segmentation image's mask is named by its stem), atomically. Candidates go in batches so a
// big import never holds more than a batch of images in memory; each batch is one change.
import path from 'node:path';
import { mapLimited } from '../../data/limit.js';
import { HttpError } from '../../serve/http-error.js';
import type { AddImagesResult, ImageEntry, Split } from '../api-types.js';
import { checkImage } from './image-check.js';
import { type ImageRef, refPath } from './image-ids.js';
import { projectImages, type StoredImage, targetImages } from './image-index.js';
import { entryOf } from './images-list.js';
import { checkClassName, safeStem, stemOf, uniqueName } from './names.js';
import { writeInside } from './project-files.js';
import { MAX_CLASSES, type OpenProject, type ProjectStore } from './store.js';

/** An image offered to the project: its name as given, its class, and how to read its bytes. */
export interface Candidate {
  name: string;
  /** classification: the class (created when new). */
  label?: string;
  read(): Promise<Uint8Array | { reason: string }>;
}

export interface Destination {
  split: Split;
  /** classification: into target/ (unlabelled target domain). */
  target?: boolean;
}

/** Candidates checked at once, then written in one change. */
const BATCH = 32;

/** Where a new image goes: its class folder, target/, or unlabelled/<split>/ to await labels. */
function placeOf(
  project: OpenProject,
  dest: Destination,
  label: string | undefined,
  name: string,
): ImageRef {
  if (project.meta.task !== 'classification')
    return { kind: 'unlabelled', split: dest.split, name };
  if (dest.target) return { kind: 'target', name };
  return { kind: 'class', split: dest.split, label: label!, name };
}

/** Checks the labels a destination needs before anything is read. */
export function checkDestination(
  project: OpenProject,
  dest: Destination,
  labels: (string | undefined)[],
) {
  const classification = project.meta.task === 'classification';
  if (dest.target && !classification)
    throw new HttpError(
      400,
      'BAD_REQUEST',
      'target images are the unlabelled domain of a classification project (for adapt)',
    );
  for (const label of labels) {
    if (!classification || dest.target) {
      if (label !== undefined)
        throw new HttpError(
          400,
          'BAD_LABEL',
          `label: ${dest.target ? 'target images have no class' : `a ${project.meta.task} image's labels are its shapes (PUT …/labels/:id)`}`,
        );
      continue;
    }
    if (label === undefined)
      throw new HttpError(400, 'BAD_LABEL', 'label: a classification image needs its class');
    checkClassName(label, 'label');
  }
}

async function allImages(project: OpenProject): Promise<StoredImage[]> {
  const images = await projectImages(project.folder, project.meta);
  return project.meta.task === 'classification'
    ? [...images, ...(await targetImages(project.folder))]
    : images;
}

export async function addImages(
  store: ProjectStore,
  name: string,
  dest: Destination,
  candidates: Candidate[],
  firstRejected: AddImagesResult['rejected'] = [],
): Promise<AddImagesResult> {
  const result: AddImagesResult = { added: [], rejected: [...firstRejected], revision: 0 };
  const project = await store.open(name);
  checkDestination(
    project,
    dest,
    candidates.map((c) => c.label),
  );
  result.revision = project.meta.revision ?? 0;
  for (let at = 0; at < candidates.length; at += BATCH) {
    const batch = candidates.slice(at, at + BATCH);
    const checked = await mapLimited(batch, 2, async (c) => {
      const bytes = await c.read();
      return 'reason' in bytes ? bytes : checkImage(bytes, c.name);
    });
    const good: {
      candidate: Candidate;
      image: Exclude<(typeof checked)[number], { reason: string }>;
    }[] = [];
    checked.forEach((image, i) => {
      if ('reason' in image) result.rejected.push({ name: batch[i]!.name, reason: image.reason });
      else good.push({ candidate: batch[i]!, image });
    });
    if (good.length === 0) continue;
    const { result: added, revision } = await store.mutate(name, undefined, async (project) => {
      const taken = new Set((await allImages(project)).map((im) => stemOf(im.ref.name)));
      const entries: ImageEntry[] = [];
      for (const { candidate, image } of good) {
        const label = candidate.label;
        if (label !== undefined && !project.meta.classes.includes(label)) {
          if (project.meta.classes.length >= MAX_CLASSES)
            throw new HttpError(
              400,
              'BAD_LABEL',
              `label: a project has at most ${MAX_CLASSES} classes`,
            );
          project.meta.classes.push(label);
        }
        const stored = uniqueName(safeStem(candidate.name), image.ext, taken);
        const ref = placeOf(project, dest, label, stored);
        const file = refPath(project.folder, ref);
        await writeInside(project.folder, file, image.bytes);
        const stub: StoredImage = {
          ref,
          file,
          split: dest.split,
          labelled: project.meta.task === 'classification' && !dest.target,
          ...(ref.kind === 'class' ? { label: ref.label } : {}),
        };
        entries.push(await entryOf(store, project, stub));
      }
      return entries;
    });
    result.added.push(...added);
    result.revision = revision;
  }
  return result;
}

/** The upload's name as shown in a refusal: its base name, as sent. */
export const shownName = (name: string) => path.basename(name.replace(/\\/g, '/')).slice(0, 200);
