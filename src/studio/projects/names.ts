// The names a project may hold: class names (folder names of classification, COCO category names,
// classes.txt lines) and stored image file names. Both are checked here once; every id segment and
// every name the studio writes passes one of these, so no request string ever becomes a path
// with '..', a separator, a NUL or a leading dot (dotfiles are the atomic writer's temp files).
import path from 'node:path';
import { HttpError } from '../../serve/http-error.js';

/** A class: letters (any script), digits, ' ', '.', '_', '-'; 1–64; no leading '.', no edge spaces. */
export const CLASS_NAME = /^[\p{L}\p{N}_](?:[\p{L}\p{N} ._-]{0,62}[\p{L}\p{N}._-])?$/u;

/** A stored image file name: ASCII letters, digits, '.', '_', '-'; starts with a letter or digit. */
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Longest stem kept from an upload's name (the rest of the name limit is for '-N' and the ext). */
const MAX_STEM = 100;

export function checkClassName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !CLASS_NAME.test(name))
    throw new HttpError(
      400,
      'BAD_CLASS_NAME',
      `${field}: ${JSON.stringify(name)} is not a class name (letters, digits, ' ', '.', '_', '-'; 1-64 characters; not starting with '.' or a space)`,
    );
  return name;
}

/** The stem of a stored name for an upload called `original` (any client string, maybe a path). */
export function safeStem(original: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  const cleaned = stem
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_STEM);
  return cleaned.replace(/[._-]+$/, '') || 'image';
}

/** `stem` + `ext`, with '-2', '-3', … added until the stem is not in `taken` (lower-cased stems). */
export function uniqueName(stem: string, ext: string, taken: Set<string>): string {
  let candidate = stem;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}`;
  taken.add(candidate.toLowerCase());
  return `${candidate}${ext}`;
}

/** A stored name's stem, as uniqueName counts it. */
export const stemOf = (name: string) => path.basename(name, path.extname(name)).toLowerCase();
