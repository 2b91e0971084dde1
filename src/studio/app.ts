// createStudio: the fastify app of `visiontune studio`, the local web app over project folders.
// It serves the built frontend (dist/studio-ui) and the JSON API of api-types.ts; route modules
// own their parts (projects/, runs/). Options are validated at once; the app does not listen.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import staticFiles from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorReply, HttpError } from '../serve/http-error.js';
import type { StudioContext } from './context.js';
import { resolveStudioOptions, type StudioOptions, type StudioOptionsInput } from './options.js';
import { projectRoutes } from './projects/routes.js';
import { runRoutes } from './runs/routes.js';
import { guardStudio } from './security.js';
import { BUILT_UI_DIR, checkUiDir } from './ui-dir.js';

export interface CreateStudioOptions extends StudioOptionsInput {
  /** The built frontend (default: the package's dist/studio-ui). */
  uiDir?: string;
  /**
   * The lock file every studio of this machine takes while a run's process runs, so one run
   * trains at a time (default: visiontune-studio-runs.lock in the temp folder).
   */
  runLock?: string;
  logger?: boolean;
  onInternalError?: (err: unknown) => void;
}

export interface VisiontuneStudio extends FastifyInstance {
  studioOptions: StudioOptions;
  /** The projects folder, absolute. */
  projectsDir: string;
}

export async function createStudio(input: CreateStudioOptions): Promise<VisiontuneStudio> {
  const { uiDir, runLock, logger, onInternalError, ...rest } = input;
  const options = resolveStudioOptions(rest);
  const ui = await checkUiDir(uiDir ?? BUILT_UI_DIR);
  const dir = path.resolve(options.dir);
  await fs.mkdir(dir, { recursive: true });
  const studio: StudioContext = {
    options,
    dir,
    runLock: runLock ?? path.join(os.tmpdir(), 'visiontune-studio-runs.lock'),
    onInternalError,
  };

  const app = Fastify({
    logger: logger ?? false,
    bodyLimit: Math.floor(options.uploadLimitMb * 1024 * 1024),
  }) as unknown as VisiontuneStudio;
  app.decorate('studioOptions', options);
  app.decorate('projectsDir', dir);
  app.setErrorHandler((err, _request, reply) => {
    const { status, headers, body } = errorReply(err);
    if (status >= 500 && !(err instanceof HttpError)) onInternalError?.(err);
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    // The frontend routes by the URL's hash, so only /api paths and files can be missing.
    return reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } });
  });
  guardStudio(app, options);
  await app.register(staticFiles, { root: ui, prefix: '/', index: 'index.html', wildcard: false });
  await app.register(async (api) => {
    await projectRoutes(api, studio);
    await runRoutes(api, studio);
  });
  return app;
}
