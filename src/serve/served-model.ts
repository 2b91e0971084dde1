// One model being served: its bundle opened in an engine, the task's runner, and the micro-batcher
// its requests share. `predict` takes one request's images and answers their results in order.
import { closeBundle } from '../bundle/batch-model.js';
import type { DeltaBases } from '../bundle/delta/base.js';
import { badUsage } from '../errors.js';
import { type Batcher, createBatcher } from './batcher.js';
import type { ServerMetrics } from './metrics.js';
import { openServedModel } from './open-model.js';
import type { ServeOptions } from './options.js';
import { classifier } from './tasks/classify.js';
import { detector } from './tasks/detect.js';
import { multitasker } from './tasks/multitask.js';
import { segmenter } from './tasks/segment.js';
import type { PredictParams, TaskRunner } from './tasks/types.js';

export interface ServedModel {
  name: string;
  engine: 'onnx' | 'tfjs';
  note?: string;
  runner: TaskRunner;
  batcher: Batcher<unknown, Record<string, unknown>>;
  /** GET /v1/models/:name. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

function runnerFor(opened: Awaited<ReturnType<typeof openServedModel>>): TaskRunner {
  const { bundle } = opened;
  switch (bundle.meta.task) {
    case 'classification':
      return classifier(bundle) as TaskRunner;
    case 'detection':
      return detector(bundle) as TaskRunner;
    case 'segmentation':
      return segmenter(bundle) as TaskRunner;
    case 'multitask':
      return multitasker(bundle) as TaskRunner;
    default:
      throw badUsage(
        `${bundle.dir} is a ${bundle.meta.task} bundle: serve takes classifiers, detectors, segmenters and multitask bundles`,
      );
  }
}

export async function loadServedModel(
  name: string,
  location: string,
  options: Pick<ServeOptions, 'engine' | 'maxBatch' | 'maxWaitMs' | 'queueLimit'>,
  metrics: ServerMetrics,
  threads?: number,
  /** The server's bases: its delta bundles on one base share that base's weights. */
  bases?: DeltaBases,
): Promise<ServedModel> {
  const opened = await openServedModel(location, options.engine, threads, bases);
  let runner: TaskRunner;
  try {
    runner = runnerFor(opened);
  } catch (err) {
    await closeBundle(opened.bundle);
    throw err;
  }
  const batcher = createBatcher<unknown, Record<string, unknown>>({
    maxBatch: options.maxBatch,
    maxWaitMs: options.maxWaitMs,
    queueLimit: options.queueLimit,
    onBatch: (size) => metrics.batchSize.observe(size, { model: name }),
    async run(items) {
      const start = performance.now();
      try {
        return await runner.run(items);
      } finally {
        metrics.inference.observe((performance.now() - start) / 1000, { model: name });
      }
    },
  });
  const { meta } = opened.bundle;
  return {
    name,
    engine: opened.engine,
    note: opened.note,
    runner,
    batcher,
    describe: () => ({
      name,
      task: meta.task,
      engine: opened.engine,
      ...(opened.note ? { engineNote: opened.note } : {}),
      labels: meta.labels,
      input: {
        width: meta.preprocessing.inputSize,
        height: meta.preprocessing.inputSize,
        channels: 3,
      },
      preprocessing: meta.preprocessing,
      backbone: meta.backbone.name,
      ...(meta.delta ? { deltaOf: meta.delta.base } : {}),
      metrics: meta.metrics,
      ...runner.describe(),
    }),
    async close() {
      // Batches already submitted finish first (a client that went away leaves its images in a
      // batch); releasing the session under them would fail them as internal errors.
      await batcher.close();
      await closeBundle(opened.bundle);
    },
  };
}

export type { PredictParams };
