// The run, queue, info, schema and export routes of the studio API (api-types.ts). One RunManager
// per app: it restores the runs a previous server left when the app starts, and stops the running
// child (marked interrupted) and every event stream when the app closes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../serve/http-error.js';
import type { ExportFormat, StartRun } from '../api-types.js';
import type { StudioContext } from '../context.js';
import { projectDir, readProjectMeta } from '../projects/meta-file.js';
import { EventStreams } from './event-stream.js';
import { EXPORT_FILES, RunExports } from './exports.js';
import { commandSchema, studioInfo } from './info.js';
import { BUNDLE_DIR, REPORT_FILE, runDir } from './run-files.js';
import { RunManager } from './run-manager.js';
import { listRuns, runDetail, runSummary } from './run-store.js';

interface RunParams {
  project: string;
  run: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** A file inside `folder` named by a request path; 400 for a path that leaves it, 404 for none. */
async function fileWithin(folder: string, relative: string): Promise<string> {
  const parts = relative.split('/');
  if (relative === '' || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\')))
    throw new HttpError(400, 'BAD_PATH', `'${relative}' is not a file path inside the bundle`);
  const file = path.join(folder, ...parts);
  const [real, root] = await Promise.all([
    fs.realpath(file).catch(() => undefined),
    fs.realpath(folder).catch(() => undefined),
  ]);
  if (!real || !root) throw new HttpError(404, 'NOT_FOUND', `no file '${relative}' in the bundle`);
  if (!real.startsWith(root + path.sep))
    throw new HttpError(400, 'BAD_PATH', `'${relative}' leaves the bundle folder`);
  if (!(await fs.stat(real)).isFile())
    throw new HttpError(404, 'NOT_FOUND', `no file '${relative}' in the bundle`);
  return real;
}

export async function runRoutes(app: FastifyInstance, studio: StudioContext): Promise<void> {
  const manager = new RunManager(studio.dir, studio.runLock);
  const exports = new RunExports(studio.dir, manager.queue);
  const streams = new EventStreams();
  await manager.restore();
  // Streams end before the server closes (it waits for open connections), the child after.
  app.addHook('preClose', async () => streams.closeAll());
  app.addHook('onClose', () => manager.close());

  /** The project's folder, 404 when it is not a project. */
  const project = async (name: string) => {
    await readProjectMeta(studio.dir, name);
    return projectDir(studio.dir, name);
  };

  app.get('/api/info', () => studioInfo(studio.dir));
  app.get<{ Params: { command: string } }>('/api/schemas/:command', (request) =>
    commandSchema(request.params.command, studio.dir),
  );
  app.get('/api/queue', () => manager.queueState());

  app.get<{ Params: { project: string } }>('/api/projects/:project/runs', async (request) =>
    listRuns(await project(request.params.project)),
  );
  app.post<{ Params: { project: string }; Body: StartRun }>(
    '/api/projects/:project/runs',
    async (request, reply) => {
      const body = request.body as Partial<StartRun> | undefined;
      if (typeof body?.command !== 'string')
        throw new HttpError(400, 'BAD_REQUEST', 'command: expected a run command name');
      const summary = await manager.start(request.params.project, body.command, body.options ?? {});
      return reply.code(201).send(summary);
    },
  );
  app.get<{ Params: RunParams }>('/api/projects/:project/runs/:run', async (request) =>
    runDetail(await project(request.params.project), request.params.run),
  );
  app.get<{ Params: RunParams }>(
    '/api/projects/:project/runs/:run/events',
    async (request, reply) => {
      const folder = await project(request.params.project);
      await runSummary(folder, request.params.run); // 404 before the stream starts
      streams.follow(reply, runDir(folder, request.params.run), request.params.run);
    },
  );
  app.post<{ Params: RunParams }>('/api/projects/:project/runs/:run/cancel', (request) =>
    manager.cancel(request.params.project, request.params.run),
  );
  app.post<{ Params: RunParams }>('/api/projects/:project/runs/:run/resume', (request) =>
    manager.resume(request.params.project, request.params.run),
  );
  app.get<{ Params: RunParams }>(
    '/api/projects/:project/runs/:run/report',
    async (request, reply) => {
      const folder = await project(request.params.project);
      const file = path.join(runDir(folder, request.params.run), REPORT_FILE);
      const html = await fs.readFile(file).catch(() => {
        throw new HttpError(404, 'NO_REPORT', `run '${request.params.run}' has no report (yet)`);
      });
      return reply.type(CONTENT_TYPES['.html']!).send(html);
    },
  );
  app.get<{ Params: RunParams & { '*': string } }>(
    '/api/projects/:project/runs/:run/bundle/*',
    async (request, reply) => {
      const folder = await project(request.params.project);
      const bundle = path.join(runDir(folder, request.params.run), BUNDLE_DIR);
      const file = await fileWithin(bundle, request.params['*']);
      const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
      return reply.type(type).send(await fs.readFile(file));
    },
  );

  app.post<{ Params: RunParams; Body: { format?: unknown } }>(
    '/api/projects/:project/runs/:run/exports',
    async (request) => {
      await project(request.params.project);
      const format = request.body?.format;
      if (typeof format !== 'string')
        throw new HttpError(
          400,
          'BAD_FORMAT',
          `format: expected one of ${Object.keys(EXPORT_FILES).join(', ')}`,
        );
      return exports.request(request.params.project, request.params.run, format);
    },
  );
  app.get<{ Params: RunParams & { format: string } }>(
    '/api/projects/:project/runs/:run/exports/:format',
    async (request) => {
      await project(request.params.project);
      return exports.state(request.params.project, request.params.run, request.params.format);
    },
  );
  app.get<{ Params: RunParams & { format: string } }>(
    '/api/projects/:project/runs/:run/exports/:format/download',
    async (request, reply) => {
      const { project: name, run, format } = request.params;
      await project(name);
      const file = await exports.file(name, run, format);
      const download = `${name}-${run}-${EXPORT_FILES[format as ExportFormat]}`;
      return reply
        .type(format === 'onnx' ? 'application/octet-stream' : 'application/zip')
        .header('content-disposition', `attachment; filename="${download}"`)
        .send(await fs.readFile(file));
    },
  );
}
