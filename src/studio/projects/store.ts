// The studio's projects folder as a store: opening a project (its folder and validated metadata),
// creating one with its task's folders, and running changes one at a time per project with the
// revision check (`ifRevision`) and bump that every change makes. Caches of what is read from
// files live here, one per studio.
import { promises as fs } from 'node:fs';
import { imageSize } from '../../data/detection/image-size.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { HttpError } from '../../serve/http-error.js';
import type { CreateProject } from '../api-types.js';
import { categoriesOf } from './coco-store.js';
import { FileCache } from './file-cache.js';
import {
  classification,
  detection,
  type ProjectMeta,
  SPLITS,
  segmentation,
  TASKS,
} from './layout.js';
import { readPolygonFile, writeClassFiles } from './mask-store.js';
import { projectDir, projectNames, readProjectMeta, writeProjectMeta } from './meta-file.js';
import { KeyedMutex } from './mutex.js';
import { checkClassName } from './names.js';

export interface OpenProject {
  /** The project folder, absolute. */
  folder: string;
  meta: ProjectMeta;
}

/** Classes a project may have at most: a segmentation mask value is a byte and 255 is ignore. */
export const MAX_CLASSES = 255;

export class ProjectStore {
  private readonly mutex = new KeyedMutex();
  /** Image sizes as decoding sees them (EXIF orientation applied), by file. */
  readonly sizes = new FileCache(async (file) => {
    const size = await imageSize(file);
    return 'reason' in size ? undefined : size;
  });
  readonly polygons = new FileCache(readPolygonFile);

  constructor(readonly dir: string) {}

  async open(name: string): Promise<OpenProject> {
    const meta = await readProjectMeta(this.dir, name);
    return { folder: projectDir(this.dir, name), meta };
  }

  /** The names of the folders under the studio dir that hold a project file. */
  names(): Promise<string[]> {
    return projectNames(this.dir);
  }

  /**
   * Runs `work` on the project after every earlier change to it, refused with 409 when
   * `ifRevision` is given and not the project's revision; then bumps and saves the revision (and
   * whatever `work` changed in the metadata).
   */
  mutate<T>(
    name: string,
    ifRevision: unknown,
    work: (project: OpenProject) => Promise<T>,
  ): Promise<{ result: T; revision: number }> {
    if (ifRevision !== undefined && !(Number.isInteger(ifRevision) && (ifRevision as number) >= 0))
      throw new HttpError(400, 'BAD_REQUEST', 'ifRevision: must be a revision number');
    return this.mutex.run(name, async () => {
      const project = await this.open(name);
      const current = project.meta.revision ?? 0;
      if (ifRevision !== undefined && ifRevision !== current)
        throw new HttpError(
          409,
          'STALE_REVISION',
          `project '${name}' changed since it was loaded (revision ${current}, not ${ifRevision}): reload and try again`,
        );
      const result = await work(project);
      project.meta.revision = current + 1;
      await writeProjectMeta(this.dir, project.meta);
      return { result, revision: project.meta.revision };
    });
  }

  /** Creates the project folder with its task's folders and files; 409 when the name is taken. */
  create(body: CreateProject): Promise<OpenProject> {
    const input = (body ?? {}) as unknown as Record<string, unknown>;
    if (typeof input.name !== 'string')
      throw new HttpError(400, 'BAD_PROJECT_NAME', 'name: a project name is required');
    const folder = projectDir(this.dir, input.name);
    if (!TASKS.includes(input.task as never))
      throw new HttpError(400, 'BAD_TASK', `task: must be one of ${TASKS.join(', ')}`);
    const task = input.task as ProjectMeta['task'];
    if (input.classes !== undefined && !Array.isArray(input.classes))
      throw new HttpError(400, 'BAD_CLASS_NAME', 'classes: must be an array of class names');
    const given = ((input.classes as unknown[]) ?? []).map((c, i) =>
      checkClassName(c, `classes[${i}]`),
    );
    const background = segmentation.backgroundClass;
    const classes =
      task === 'segmentation' ? [background, ...given.filter((c) => c !== background)] : given;
    if (new Set(classes).size !== classes.length)
      throw new HttpError(400, 'BAD_CLASS_NAME', 'classes: a class is named twice');
    if (classes.length > MAX_CLASSES)
      throw new HttpError(400, 'BAD_CLASS_NAME', `classes: at most ${MAX_CLASSES}`);
    return this.mutex.run(input.name, async () => {
      try {
        await fs.mkdir(folder);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new HttpError(
            409,
            'PROJECT_EXISTS',
            `a project or folder named '${input.name}' already exists`,
          );
        throw err;
      }
      const meta: ProjectMeta = {
        formatVersion: 1,
        name: input.name as string,
        task,
        createdAt: new Date().toISOString(),
        classes,
        revision: 0,
        ...(task === 'detection' ? { categoryIds: classes.map((_, i) => i + 1) } : {}),
      };
      try {
        await makeTaskFolders(folder, meta);
        // The project file comes last: a folder without it is not (yet) a project.
        await writeProjectMeta(this.dir, meta);
      } catch (err) {
        await fs.rm(folder, { recursive: true, force: true });
        throw err;
      }
      return { folder, meta };
    });
  }
}

async function makeTaskFolders(folder: string, meta: ProjectMeta): Promise<void> {
  const mkdir = (dir: string) => fs.mkdir(dir, { recursive: true });
  if (meta.task === 'classification') {
    await mkdir(classification.split(folder, 'train'));
    await mkdir(classification.target(folder));
  } else if (meta.task === 'detection') {
    await mkdir(detection.images(folder));
    for (const split of SPLITS) {
      await mkdir(detection.unlabelled(folder, split));
      const empty = { images: [], annotations: [], categories: categoriesOf(meta) };
      await writeFileAtomic(detection.annotations(folder, split), `${JSON.stringify(empty)}\n`);
    }
  } else {
    for (const split of SPLITS) {
      await mkdir(segmentation.images(folder, split));
      await mkdir(segmentation.masks(folder, split));
      await mkdir(segmentation.polygons(folder, split));
      await mkdir(segmentation.unlabelled(folder, split));
    }
    await writeClassFiles(folder, meta);
  }
}
