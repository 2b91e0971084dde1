// Every write and rename inside a project goes through here: the target (and a rename's source)
// must resolve inside the project folder, so a link planted in it (a class folder pointing at
// /etc) can never make the studio write or move files elsewhere; writes are atomic (temp + rename).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type FileData, writeFileAtomic } from '../../engine/file-io.js';
import { confine } from '../../guard/confine.js';
import { HttpError } from '../../serve/http-error.js';

/** `file` when it (or where it would be created) is inside `project`, else 409. */
export async function inside(project: string, file: string): Promise<string> {
  const rel = path.relative(project, file);
  const confined = await confine(project, rel, { always: true });
  if ('reason' in confined)
    throw new HttpError(
      409,
      'OUTSIDE_PROJECT',
      `${rel.split(path.sep).join('/')}: leads out of the project folder (a link?); refused`,
    );
  return file;
}

export async function writeInside(project: string, file: string, data: FileData): Promise<void> {
  await writeFileAtomic(await inside(project, file), data);
}

/** Renames within the project (one atomic step), making the target's folder when missing. */
export async function renameInside(project: string, from: string, to: string): Promise<void> {
  await inside(project, from);
  await inside(project, path.dirname(to));
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rename(from, await inside(project, to));
}
