// The three loaders of a multi-task run from its opened data: training (shuffled or sampled across
// tasks, the joint augmentation, this rank's shard), validation and final evaluation (every image
// once, in order, letterboxed, whole batches on every rank).
import type { Shard } from '../../distributed/shard.js';
import type { NormalizeParams } from '../transforms/normalize.js';
import { multiTaskAugmentation } from './augment.js';
import type { SamplingStrategy } from './config.js';
import { createMultiTaskLoader, type MultiTaskLoader } from './loader.js';
import { type MultiTaskData, taskShapes } from './open.js';

export interface MultiTaskLoadersOptions extends NormalizeParams {
  size: number;
  batchSize: number;
  seed: number;
  sampling: SamplingStrategy;
  temperature?: number;
  epochSize?: number;
  /** Scale-crop range of the training augmentation. */
  scale: [number, number];
  colorJitter: number;
  skipBad?: boolean;
  /** This rank's part of each training batch. */
  shard?: Shard;
}

export function multiTaskLoaders(
  data: MultiTaskData,
  options: MultiTaskLoadersOptions,
): { train: MultiTaskLoader; val: MultiTaskLoader; evaluation: MultiTaskLoader } {
  const tasks = taskShapes(data.tasks);
  const common = {
    mean: options.mean,
    std: options.std,
    size: options.size,
    batchSize: options.batchSize,
    tasks,
    seed: options.seed,
    skipBad: options.skipBad,
  };
  return {
    train: createMultiTaskLoader(data.train, {
      ...common,
      ops: multiTaskAugmentation(options.size, tasks, options),
      sampling: options.sampling,
      temperature: options.temperature,
      epochSize: options.epochSize,
      shuffle: true,
      shard: options.shard,
    }),
    val: createMultiTaskLoader(data.val, common),
    evaluation: createMultiTaskLoader(data.evaluation, common),
  };
}
