// Image ids: project-relative paths, the only way a request names an image. An id is parsed into
// one of the task's image locations (a reference) and a path is only ever built back from that
// reference through layout.ts, never by joining the request's string; every segment is a checked
// name (names.ts), and the result is confined to the project folder (links leaving it refused).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { confine } from '../../guard/confine.js';
import { HttpError } from '../../serve/http-error.js';
import type { Split, Task } from '../api-types.js';
import { classification, detection, SPLITS, segmentation } from './layout.js';
import { CLASS_NAME, FILE_NAME } from './names.js';

/** Where an image is, by task: each kind is one folder of layout.ts. */
export type ImageRef =
  /** classification: data/<split>/<label>/<name> */
  | { kind: 'class'; split: Split; label: string; name: string }
  /** classification: target/<name> (unlabelled target domain) */
  | { kind: 'target'; name: string }
  /** detection: images/<name> (its split is the annotation file that lists it) */
  | { kind: 'detection'; name: string }
  /** segmentation: <split>/images/<name> */
  | { kind: 'segmentation'; split: Split; name: string }
  /** detection, segmentation: unlabelled/<split>/<name> */
  | { kind: 'unlabelled'; split: Split; name: string };

const isSplit = (s: string): s is Split => (SPLITS as string[]).includes(s);

/** The id of a reference (a '/'-separated path relative to the project). */
export function refId(ref: ImageRef): string {
  switch (ref.kind) {
    case 'class':
      return `data/${ref.split}/${ref.label}/${ref.name}`;
    case 'target':
      return `target/${ref.name}`;
    case 'detection':
      return `images/${ref.name}`;
    case 'segmentation':
      return `${ref.split}/images/${ref.name}`;
    case 'unlabelled':
      return `unlabelled/${ref.split}/${ref.name}`;
  }
}

/** The folder a reference's file is in (absolute, from layout.ts). */
export function refFolder(project: string, ref: ImageRef): string {
  switch (ref.kind) {
    case 'class':
      return path.join(classification.split(project, ref.split), ref.label);
    case 'target':
      return classification.target(project);
    case 'detection':
      return detection.images(project);
    case 'segmentation':
      return segmentation.images(project, ref.split);
    case 'unlabelled':
      // detection and segmentation keep waiting images in the same place (layout.ts).
      return detection.unlabelled(project, ref.split);
  }
}

export const refPath = (project: string, ref: ImageRef) =>
  path.join(refFolder(project, ref), ref.name);

/** The split a reference is in by its place alone (detection's comes from its annotation file). */
export function refSplit(ref: ImageRef): Split | undefined {
  return 'split' in ref ? ref.split : undefined;
}

const bad = (id: string, why: string) =>
  new HttpError(400, 'BAD_IMAGE_ID', `id ${JSON.stringify(id.slice(0, 300))}: ${why}`);

/** The reference an id names for `task`; 400 when it is not one of the task's image locations. */
export function parseId(task: Task, id: unknown): ImageRef {
  if (typeof id !== 'string' || id.length === 0) throw bad(String(id), 'not an image id');
  if (id.length > 1000) throw bad(id, 'too long');
  if (id.includes('\0')) throw bad(id, 'contains a NUL character');
  if (id.includes('\\')) throw bad(id, "contains '\\' (ids use '/')");
  if (id.startsWith('/') || path.isAbsolute(id)) throw bad(id, 'absolute paths are not ids');
  const parts = id.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === ''))
    throw bad(id, "contains an empty, '.' or '..' segment");
  const name = parts[parts.length - 1]!;
  if (!FILE_NAME.test(name))
    throw bad(id, `'${name}' is not a stored image name (letters, digits, '.', '_', '-')`);
  const [a, b, c] = parts;
  let ref: ImageRef | undefined;
  if (task === 'classification') {
    if (parts.length === 4 && a === 'data' && isSplit(b!) && CLASS_NAME.test(c!))
      ref = { kind: 'class', split: b, label: c!, name };
    else if (parts.length === 2 && a === 'target') ref = { kind: 'target', name };
  } else if (parts.length === 3 && a === 'unlabelled' && isSplit(b!)) {
    ref = { kind: 'unlabelled', split: b, name };
  } else if (task === 'detection') {
    if (parts.length === 2 && a === 'images') ref = { kind: 'detection', name };
  } else if (parts.length === 3 && isSplit(a!) && b === 'images') {
    ref = { kind: 'segmentation', split: a, name };
  }
  if (!ref) throw bad(id, `not an image location of a ${task} project`);
  return ref;
}

/**
 * The file of a reference, confined to the project (a link out of it is refused like a missing
 * file) and a regular file, not a link; 404 otherwise.
 */
export async function existingImage(project: string, ref: ImageRef): Promise<string> {
  const id = refId(ref);
  const confined = await confine(project, id, { always: true });
  const missing = new HttpError(404, 'UNKNOWN_IMAGE', `no image '${id}' in this project`);
  if ('reason' in confined) throw missing;
  const st = await fs.lstat(confined.path).catch(() => undefined);
  if (!st?.isFile()) throw missing;
  return confined.path;
}
