// POST /v1/models/:name/predict: the request's images checked and prepared concurrently (decode,
// resize, normalize: off the batch's path), then queued for the model's batcher; answered when
// every image has its result. A request over its time limit is answered 503 and its images that
// still wait leave the queue; a full queue answers 429 with a Retry-After estimate.
import type { FastifyInstance } from 'fastify';
import { VisiontuneError } from '../errors.js';
import { BatcherClosedError, QueueFullError } from './batcher.js';
import { HttpError } from './http-error.js';
import type { ServerMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';
import { admitImage, type RequestImage, requestImages } from './request-images.js';
import { predictSchema } from './schemas.js';
import type { ServedModel } from './served-model.js';

/** Seconds until the queue ahead has likely drained: batches ahead × the mean batch time. */
function retryAfter(model: ServedModel, metrics: ServerMetrics, maxBatch: number): string {
  const { count, sum } = metrics.inference.get({ model: model.name });
  const perBatch = count > 0 ? sum / count : 0.1;
  const batches = Math.ceil((model.batcher.pending() + 1) / maxBatch);
  return String(Math.max(1, Math.ceil(batches * perBatch)));
}

async function predictOne(
  model: ServedModel,
  image: RequestImage,
  top: number,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  await admitImage(image);
  let item: unknown;
  try {
    item = await model.runner.prepare(image.bytes, image.id, { top });
  } catch (err) {
    if (err instanceof VisiontuneError && err.code !== 'RUNTIME')
      throw new HttpError(422, 'BAD_IMAGE', err.message);
    throw err;
  }
  signal.throwIfAborted();
  try {
    return { id: image.id, ...(await model.batcher.submit(item, signal)) };
  } catch (err) {
    // Another request took the last places between the check and this image.
    if (err instanceof QueueFullError)
      throw new HttpError(429, 'QUEUE_FULL', err.message, { 'retry-after': '1' });
    if (err instanceof BatcherClosedError)
      throw new HttpError(503, 'SHUTTING_DOWN', err.message, { 'retry-after': '1' });
    throw err;
  }
}

export function predictRoute(
  app: FastifyInstance,
  models: () => Map<string, ServedModel>,
  options: ServeOptions,
  metrics: ServerMetrics,
): void {
  app.post<{ Params: { name: string }; Querystring: { top: number } }>(
    '/v1/models/:name/predict',
    { schema: predictSchema },
    async (request, reply) => {
      const model = models().get(request.params.name);
      if (!model)
        throw new HttpError(404, 'UNKNOWN_MODEL', `no model named '${request.params.name}'`);
      const images = await requestImages(request, options.maxImages);
      if (model.batcher.depth() + images.length > options.queueLimit)
        throw new HttpError(
          429,
          'QUEUE_FULL',
          `model '${model.name}' has ${model.batcher.depth()} images waiting (--queue-limit ${options.queueLimit}); retry later`,
          { 'retry-after': retryAfter(model, metrics, options.maxBatch) },
        );
      const controller = new AbortController();
      const timeout = new HttpError(
        503,
        'TIMEOUT',
        `no answer within ${options.timeoutMs} ms (--timeout-ms); the server is busy, retry later`,
        { 'retry-after': retryAfter(model, metrics, options.maxBatch) },
      );
      const timer = setTimeout(() => controller.abort(timeout), options.timeoutMs);
      try {
        const work = Promise.all(
          images.map((image) => predictOne(model, image, request.query.top, controller.signal)),
        );
        const aborted = new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason));
        });
        // The first failure answers the request; the other images' work is called off.
        const results = await Promise.race([work, aborted]).catch((err) => {
          controller.abort(err);
          throw err;
        });
        return reply.send({ model: model.name, task: model.runner.bundle.meta.task, results });
      } finally {
        clearTimeout(timer);
      }
    },
  );
}
