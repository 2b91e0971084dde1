// The project, image and label routes of the studio API (api-types.ts), in their own plugin scope
// (multipart parsing is registered for these routes only). The studio takes a lock file in its
// projects folder for as long as it runs, so a second studio on the same folder is refused: the
// per-project queues (store.ts) serialize changes within this process only.
import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acquireLock } from '../../guard/lock.js';
import type {
  CreateProject,
  DeleteImages,
  EditClasses,
  ImageLabels,
  ImportFolder,
  MoveImages,
} from '../api-types.js';
import type { StudioContext } from '../context.js';
import { editClasses } from './classes.js';
import { addImages } from './images-add.js';
import { deleteImages, moveImages } from './images-edit.js';
import { importFolder } from './images-import.js';
import { listImages, splitParam } from './images-list.js';
import { getLabels, putLabels } from './labels.js';
import { sendImage, sendThumb } from './media.js';
import { projectSummary, projectView } from './project-view.js';
import { ProjectStore } from './store.js';
import { readUpload } from './upload.js';

export const STUDIO_LOCK = '.visiontune-studio.lock';
/** Files one upload request may carry at most. */
export const MAX_UPLOAD_FILES = 1000;

type P = { project: string };
type PI = { project: string; id: string };

export async function projectRoutes(app: FastifyInstance, studio: StudioContext): Promise<void> {
  const lock = await acquireLock(
    path.join(studio.dir, STUDIO_LOCK),
    `the studio folder ${studio.dir} (another visiontune studio serves it)`,
  );
  app.addHook('onClose', async () => lock.release());
  const store = new ProjectStore(studio.dir);
  const limitMb = studio.options.uploadLimitMb;
  const maxBytes = Math.floor(limitMb * 1024 * 1024);

  await app.register(async (api) => {
    await api.register(multipart, {
      throwFileSizeLimit: false,
      limits: {
        fileSize: maxBytes,
        files: MAX_UPLOAD_FILES,
        fields: 20,
        fieldSize: 4096,
        parts: MAX_UPLOAD_FILES + 20,
      },
    });

    api.get('/api/projects', async () => {
      // A project whose file is damaged is left out of the list (opening it says what is wrong).
      const found = await Promise.allSettled(
        (await store.names()).map((name) => projectSummary(store, name)),
      );
      return found.flatMap((f) => (f.status === 'fulfilled' ? [f.value] : []));
    });

    api.post<{ Body: CreateProject }>('/api/projects', async (request, reply) => {
      const project = await store.create(request.body);
      return reply.code(201).send(await projectView(store, project));
    });

    api.get<{ Params: P }>('/api/projects/:project', async (request) =>
      projectView(store, await store.open(request.params.project)),
    );

    api.put<{ Params: P; Body: EditClasses }>('/api/projects/:project/classes', async (request) => {
      const name = request.params.project;
      await store.mutate(name, request.body?.ifRevision, (project) =>
        editClasses(project, request.body),
      );
      return projectView(store, await store.open(name));
    });

    api.get<{ Params: P; Querystring: Record<string, unknown> }>(
      '/api/projects/:project/images',
      async (request) => listImages(store, await store.open(request.params.project), request.query),
    );

    const upload = (target: boolean) => async (request: FastifyRequest<{ Params: P }>) => {
      const name = request.params.project;
      await store.open(name); // 404 before anything is read
      const received = await readUpload(request, studio.dir, limitMb);
      try {
        const split = splitParam(received.fields.split) ?? 'train';
        const label = target ? undefined : received.fields.label || undefined;
        const candidates = received.candidates.map((c) => ({ ...c, label }));
        return await addImages(store, name, { split, target }, candidates, received.rejected);
      } finally {
        await received.discard();
      }
    };
    api.post<{ Params: P }>('/api/projects/:project/images', upload(false));
    api.post<{ Params: P }>('/api/projects/:project/target', upload(true));

    api.post<{ Params: P; Body: ImportFolder }>(
      '/api/projects/:project/images/import',
      async (request) => importFolder(store, request.params.project, request.body, maxBytes),
    );

    api.patch<{ Params: P; Body: MoveImages }>('/api/projects/:project/images', async (request) =>
      moveImages(store, request.params.project, request.body ?? ({} as MoveImages)),
    );

    api.delete<{ Params: P; Body: DeleteImages }>(
      '/api/projects/:project/images',
      async (request) =>
        deleteImages(store, request.params.project, request.body ?? ({} as DeleteImages)),
    );

    api.get<{ Params: PI }>('/api/projects/:project/image/:id', async (request, reply) =>
      sendImage(store, request, reply, request.params.project, request.params.id),
    );

    api.get<{ Params: PI }>('/api/projects/:project/thumb/:id', async (request, reply) =>
      sendThumb(store, request, reply, request.params.project, request.params.id),
    );

    api.get<{ Params: PI }>('/api/projects/:project/labels/:id', async (request) =>
      getLabels(store, request.params.project, request.params.id),
    );

    api.put<{ Params: PI; Body: ImageLabels }>(
      '/api/projects/:project/labels/:id',
      async (request) => putLabels(store, request.params.project, request.params.id, request.body),
    );
  });
}
