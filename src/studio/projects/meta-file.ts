// A project's identity on disk: its folder under the studio's --dir (a checked name, never a path
// from a request) and visiontune-project.json, validated when read.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../engine/file-io.js';
import { readJsonDocument } from '../../guard/read-input.js';
import { HttpError } from '../../serve/http-error.js';
import {
  IMPORTED_BACKBONES,
  PROJECT_FILE,
  PROJECT_NAME,
  type ProjectMeta,
  TASKS,
} from './layout.js';

const metaSchema = z.object({
  formatVersion: z.literal(1),
  name: z.string().regex(PROJECT_NAME),
  task: z.enum(TASKS as [string, ...string[]]),
  createdAt: z.string(),
  classes: z.array(z.string().min(1)),
  revision: z.number().int().nonnegative().optional(),
  categoryIds: z.array(z.number().int().positive()).optional(),
});

/** The folder of project `name` under `dir`; 400 for a name that is not a project name. */
export function projectDir(dir: string, name: string): string {
  if (!PROJECT_NAME.test(name))
    throw new HttpError(
      400,
      'BAD_PROJECT_NAME',
      `'${name}' is not a project name (letters, digits, '.', '_', '-'; 1-64 characters; not starting with '.')`,
    );
  if (name === IMPORTED_BACKBONES)
    throw new HttpError(
      400,
      'BAD_PROJECT_NAME',
      `'${name}' is the folder of imported backbones; choose another project name`,
    );
  return path.join(dir, name);
}

/** The projects under `dir`: folders with a project's name that hold a project file, sorted. */
export async function projectNames(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !PROJECT_NAME.test(e.name) || e.name === IMPORTED_BACKBONES) continue;
    const st = await fs.stat(path.join(dir, e.name, PROJECT_FILE)).catch(() => undefined);
    if (st?.isFile()) found.push(e.name);
  }
  return found.sort();
}

/** The project's metadata; 404 when the folder is not a studio project. */
export async function readProjectMeta(dir: string, name: string): Promise<ProjectMeta> {
  const folder = projectDir(dir, name);
  const file = path.join(folder, PROJECT_FILE);
  const exists = await fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) throw new HttpError(404, 'UNKNOWN_PROJECT', `no project named '${name}'`);
  const parsed = metaSchema.safeParse(await readJsonDocument(file));
  if (!parsed.success)
    throw new HttpError(
      500,
      'DAMAGED_PROJECT',
      `${file}: not a valid project file (${parsed.error.issues[0]?.message})`,
    );
  return parsed.data as ProjectMeta;
}

export async function writeProjectMeta(dir: string, meta: ProjectMeta): Promise<void> {
  await writeFileAtomic(
    path.join(projectDir(dir, meta.name), PROJECT_FILE),
    `${JSON.stringify(meta, null, 2)}\n`,
  );
}
