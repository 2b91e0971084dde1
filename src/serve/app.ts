// createServer: the fastify app that serves bundles, for `visiontune serve` or for embedding in a
// user's own server. Options are validated at once (a non-loopback host without an API key is
// refused); the models load when the app gets ready (`await app.ready()` or `listen`), so a bad
// bundle fails the start with its reason. The app does not listen by itself.
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { DeltaBases } from '../bundle/delta/base.js';
import { ensureEngine } from '../engine/index.js';
import { requireApiKey } from './auth.js';
import { errorReply, HttpError } from './http-error.js';
import { serverMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import {
  modelEntries,
  resolveServeOptions,
  type ServeOptions,
  type ServeOptionsInput,
} from './options.js';
import { PAGE_HTML } from './page.js';
import { predictRoute } from './predict-route.js';
import { describeModelSchema, healthSchema, listModelsSchema, readySchema } from './schemas.js';
import { loadServedModel, type ServedModel } from './served-model.js';

const MiB = 1024 * 1024;

export interface CreateServerOptions extends ServeOptionsInput {
  /** Intra-op threads for ONNX Runtime (default: its own choice, all cores). */
  threads?: number;
  /** fastify's logger (default off). */
  logger?: boolean;
  /** Told of every error answered 500 (a bug): the client only learns that one happened. */
  onInternalError?: (err: unknown) => void;
}

export interface VisiontuneServer extends FastifyInstance {
  /** The validated options (port and host are for the caller's listen). */
  serveOptions: ServeOptions;
  /** What GET /v1/models answers (empty until the app is ready). */
  describeModels(): Record<string, unknown>[];
}

export function createServer(input: CreateServerOptions): VisiontuneServer {
  const { threads, logger, onInternalError, ...rest } = input;
  const options = resolveServeOptions(rest);
  const entries = modelEntries(options);
  const bodyLimit = Math.floor(options.bodyLimitMb * MiB);
  const app = Fastify({ logger: logger ?? false, bodyLimit }) as unknown as VisiontuneServer;
  const models = new Map<string, ServedModel>();
  // One per server: delta bundles on the same base hold its weights once.
  const bases = new DeltaBases();
  app.decorate('serveOptions', options);
  let state: 'loading' | 'ready' | 'closing' = 'loading';
  app.decorate('describeModels', () => [...models.values()].map((m) => m.describe()));
  const metrics = serverMetrics(() =>
    [...models.values()].map((m) => ({ model: m.name, depth: m.batcher.depth() })),
  );

  app.setErrorHandler((err, _request, reply) => {
    const { status, headers, body } = errorReply(err);
    if (status >= 500 && !(err instanceof HttpError)) onInternalError?.(err);
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } }),
  );
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { route, method: request.method, status: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.latency.observe(reply.elapsedTime / 1000, { route });
  });
  if (options.apiKey) requireApiKey(app, options.apiKey);

  // Only JSON, image bytes and multipart are predict bodies; text is refused (415).
  app.removeContentTypeParser('text/plain');
  // Image bodies arrive whole, as bytes, under the same size limit as JSON.
  const bytes = (_request: unknown, body: string | Buffer, done: (e: null, b: Buffer) => void) =>
    done(null, body as Buffer);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit }, bytes);
  app.addContentTypeParser(/^image\/[\w.+-]+$/, { parseAs: 'buffer', bodyLimit }, bytes);

  app.register(async (scope) => {
    await scope.register(multipart, {
      limits: {
        fileSize: bodyLimit,
        files: options.maxImages,
        fields: 16,
        parts: options.maxImages + 16,
      },
    });
    await registerOpenApi(scope, options.apiKey !== undefined);

    scope.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));
    scope.get('/readyz', { schema: readySchema }, async (_request, reply) =>
      reply
        .code(state === 'ready' ? 200 : 503)
        .send({ ready: state === 'ready', state, models: [...models.keys()] }),
    );
    scope.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.registry.render()),
    );
    scope.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(PAGE_HTML),
    );
    scope.get('/v1/models', { schema: listModelsSchema }, async () => ({
      models: app.describeModels(),
    }));
    scope.get<{ Params: { name: string } }>(
      '/v1/models/:name',
      { schema: describeModelSchema },
      async (request) => {
        const model = models.get(request.params.name);
        if (!model)
          throw new HttpError(404, 'UNKNOWN_MODEL', `no model named '${request.params.name}'`);
        return model.describe();
      },
    );
    predictRoute(scope, () => models, options, metrics);
  });

  app.addHook('onReady', async () => {
    await ensureEngine();
    for (const { name, location } of entries)
      models.set(name, await loadServedModel(name, location, options, metrics, threads, bases));
    state = 'ready';
  });
  app.addHook('preClose', async () => {
    state = 'closing';
  });
  // Answers finished while closing end their connection, so a keep-alive client does not hold
  // the shutdown open for the keep-alive timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (state === 'closing') reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    for (const model of models.values()) await model.close();
    models.clear();
    await bases.dispose();
  });
  return app;
}
