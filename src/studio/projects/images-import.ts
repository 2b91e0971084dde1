// POST …/images/import: the images of a folder on this machine, copied into the project. Plain
// files only (links and dotfiles are passed over), each within the upload size limit and checked
// like an upload; with labelsFromFolders (classification) each sub-folder is a class, as the
// CLI's image-folder reader takes it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HttpError } from '../../serve/http-error.js';
import type { AddImagesResult, ImportFolder } from '../api-types.js';
import { addImages, type Candidate } from './images-add.js';
import { splitParam } from './images-list.js';
import { CLASS_NAME } from './names.js';
import type { ProjectStore } from './store.js';

/** Files taken from one import at most (the rest is refused, to import in another go). */
export const MAX_IMPORT = 20_000;

function fileCandidate(file: string, label: string | undefined, maxBytes: number): Candidate {
  return {
    name: path.basename(file),
    label,
    read: async () => {
      const st = await fs.lstat(file).catch(() => undefined);
      if (!st?.isFile()) return { reason: 'not a plain file' };
      if (st.size > maxBytes)
        return { reason: `larger than the upload limit of ${maxBytes / 1024 / 1024} MiB` };
      return fs.readFile(file);
    },
  };
}

async function plainFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export async function importFolder(
  store: ProjectStore,
  name: string,
  body: ImportFolder,
  maxBytes: number,
): Promise<AddImagesResult> {
  const input = (body ?? {}) as unknown as Record<string, unknown>;
  const folder = input.folder;
  if (typeof folder !== 'string' || !path.isAbsolute(folder) || folder.includes('\0'))
    throw new HttpError(400, 'BAD_FOLDER', 'folder: an absolute path of a folder on this machine');
  const st = await fs.stat(folder).catch(() => undefined);
  if (!st?.isDirectory())
    throw new HttpError(400, 'BAD_FOLDER', `folder: ${folder} is not a folder`);
  const split = splitParam(input.split) ?? 'train';
  const project = await store.open(name);
  const byFolders = input.labelsFromFolders === true;
  if (byFolders && project.meta.task !== 'classification')
    throw new HttpError(400, 'BAD_REQUEST', 'labelsFromFolders: classification projects only');
  if (byFolders && input.label !== undefined)
    throw new HttpError(
      400,
      'BAD_REQUEST',
      'label: not with labelsFromFolders (the folders are the classes)',
    );
  const label = typeof input.label === 'string' ? input.label : (input.label as undefined);
  const candidates: Candidate[] = [];
  const rejected: AddImagesResult['rejected'] = [];
  if (byFolders) {
    const dirs = (await fs.readdir(folder, { withFileTypes: true })).filter(
      (e) => e.isDirectory() && !e.name.startsWith('.'),
    );
    for (const dir of dirs) {
      if (!CLASS_NAME.test(dir.name)) {
        rejected.push({ name: dir.name, reason: 'folder name is not a class name' });
        continue;
      }
      for (const file of await plainFiles(path.join(folder, dir.name)))
        candidates.push(fileCandidate(file, dir.name, maxBytes));
    }
  } else {
    for (const file of await plainFiles(folder))
      candidates.push(fileCandidate(file, label, maxBytes));
  }
  for (const extra of candidates.splice(MAX_IMPORT))
    rejected.push({ name: extra.name, reason: `more than ${MAX_IMPORT} files in one import` });
  return addImages(store, name, { split }, candidates, rejected);
}
