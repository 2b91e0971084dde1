// Batches of multi-task data. Each image is decoded once and moved by ONE random geometry (the
// joint ops: flip, scale-crop, …) applied to the image, the boxes of every detection task and the
// mask of every segmentation task together; colour ops touch the image only. Without ops
// (evaluation) images are letterboxed, labels with them. Which images an epoch visits comes from
// sampling.ts (proportional, uniform, temperature) by (seed, epoch), so the same epoch index gives
// the same batches; a data-parallel rank takes its part of each global batch (distributed/shard),
// and each image's augmentation draws from Rng(seed).fork('aug', epoch, position) as the other
// loaders do. Unreadable images and labels that do not fit their image are errors naming the file
// unless skipBad, which leaves the image out and counts it once. The consumer disposes `x`.
import * as tf from '@tensorflow/tfjs';
import { type Shard, shardBatch, shardBatchCount, WHOLE } from '../../distributed/shard.js';
import { badInput, VisiontuneError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { BoxAnnotation } from '../detection/types.js';
import {
  type Annotated,
  applyJointOps,
  type JointOp,
  type Letterbox,
  letterboxJoint,
} from '../joint/augment.js';
import { createLimiter } from '../limit.js';
import { prefetched } from '../prefetch.js';
import { sampleMask } from '../segmentation/sample-mask.js';
import { DEFAULT_IGNORE_INDEX, type LabelMap } from '../segmentation/types.js';
import { type NormalizeParams, normalizeInto, normalizeTable } from '../transforms/normalize.js';
import type { DecodedImage, SkipReport } from '../types.js';
import { recordSkip } from '../validate.js';
import type { SamplingStrategy } from './config.js';
import { epochPlan } from './sampling.js';
import { buildTargets, type PreparedLabels } from './targets.js';
import type { MultiTaskBatch, MultiTaskSample, TaskShape } from './types.js';

export interface MultiTaskLoaderOptions extends NormalizeParams {
  /** The network's square input side. */
  size: number;
  batchSize: number;
  tasks: readonly TaskShape[];
  /** Training geometry and colour ops ending at size × size; without them, letterboxing. */
  ops?: readonly JointOp[];
  /** Default proportional. */
  sampling?: SamplingStrategy;
  temperature?: number;
  /** Images per epoch for uniform/temperature sampling (default: the number of images). */
  epochSize?: number;
  /** Shuffle (proportional; the other strategies always draw at random); default false. */
  shuffle?: boolean;
  seed?: number;
  prefetch?: number;
  /** Images decoded at once; default 4. */
  concurrency?: number;
  skipBad?: boolean;
  shard?: Shard;
}

export interface MultiTaskLoader {
  readonly numBatches: number;
  readonly shard: Shard;
  readonly numSamples: number;
  /** Each unusable image once, however many epochs met it. */
  readonly skipped: SkipReport;
  epoch(index: number): AsyncIterable<MultiTaskBatch>;
}

type TaggedBox = BoxAnnotation & { task: string };

interface Prepared extends PreparedLabels {
  letterbox: Letterbox;
  size: { width: number; height: number };
}

const IDENTITY: Letterbox = { scaleX: 1, scaleY: 1, padX: 0, padY: 0 };

/** Checks each label against the decoded image; reads the label maps. */
async function labelMaps(
  sample: MultiTaskSample,
  image: DecodedImage,
): Promise<{ task: string; mask: LabelMap; fill: number }[]> {
  const maps: { task: string; mask: LabelMap; fill: number }[] = [];
  for (const [task, label] of Object.entries(sample.labels)) {
    if (label.kind === 'detection') {
      const { width, height } = label.sample;
      if (width > 0 && height > 0 && (image.width !== width || image.height !== height))
        throw badInput(
          `${sample.id}: the image is ${image.width}x${image.height} but task ${task}'s annotation says ${width}x${height}`,
        );
    } else if (label.kind === 'segmentation') {
      const mask = await sampleMask(label.sample, label.source, image);
      maps.push({ task, mask, fill: label.source.ignoreIndex });
    }
  }
  return maps;
}

export function createMultiTaskLoader(
  samples: readonly MultiTaskSample[],
  options: MultiTaskLoaderOptions,
): MultiTaskLoader {
  const { size, batchSize, tasks } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const seed = options.seed ?? 0;
  const strategy = options.sampling ?? 'proportional';
  const taskNames = tasks.map((t) => t.name);
  const epochSize =
    strategy === 'proportional' ? samples.length : (options.epochSize ?? samples.length);
  const lut = normalizeTable(options);
  const pixels = size * size * 3;
  const shard = options.shard ?? WHOLE;
  const numBatches = shardBatchCount(epochSize, batchSize, shard);
  const limit = createLimiter(options.concurrency ?? 4);
  const skipped: SkipReport = { count: 0, examples: [] };
  const skippedIds = new Set<string>();

  /** The geometry on one image and its pixel-space labels; `rng` made afresh for each replay. */
  function geometry<T extends Annotated>(input: T, rng: () => Rng, fill: number) {
    if (options.ops) {
      const out = applyJointOps(options.ops, input, rng());
      if (out.image.width !== size || out.image.height !== size)
        throw new Error(`joint ops produced ${out.image.width}x${out.image.height}, not ${size}`);
      return { ...out, letterbox: IDENTITY };
    }
    return letterboxJoint(input, size, { maskFill: fill });
  }

  async function prepare(
    sample: MultiTaskSample,
    rng: () => Rng,
    out: Float32Array,
    offset: number,
  ): Promise<Prepared> {
    const image = await limit(() => sample.read());
    const maps = await labelMaps(sample, image);
    const boxes: TaggedBox[] = Object.entries(sample.labels).flatMap(([task, label]) =>
      label.kind === 'detection' ? label.sample.boxes.map((b) => ({ ...b, task })) : [],
    );
    const hasBoxes = Object.values(sample.labels).some((l) => l.kind === 'detection');
    const first = maps[0];
    const moved = geometry(
      { image, ...(hasBoxes ? { boxes } : {}), ...(first ? { mask: first.mask } : {}) },
      rng,
      first?.fill ?? DEFAULT_IGNORE_INDEX,
    );
    normalizeInto(moved.image, lut, out, offset);
    const masks: Record<string, Uint8Array> = {};
    if (first && moved.mask) masks[first.task] = moved.mask.data;
    // A second mask on the same image replays the same draws (ops draw independently of pixels).
    for (const extra of maps.slice(1))
      masks[extra.task] = geometry({ image, mask: extra.mask }, rng, extra.fill).mask.data;
    const byTask: Record<string, BoxAnnotation[]> = {};
    for (const [task, label] of Object.entries(sample.labels))
      if (label.kind === 'detection') byTask[task] = [];
    for (const { task, ...box } of (moved.boxes ?? []) as TaggedBox[]) byTask[task]!.push(box);
    return {
      sample,
      boxes: byTask,
      masks,
      letterbox: moved.letterbox,
      size: { width: image.width, height: image.height },
    };
  }

  async function build(order: number[], b: number, epoch: number): Promise<MultiTaskBatch | null> {
    const taken = shardBatch(order, b, batchSize, shard);
    if (taken.length === 0) return null;
    const buffer = new Float32Array(taken.length * pixels);
    const results = await Promise.all(
      taken.map(async ({ index, position }, k) => {
        const sample = samples[index]!;
        try {
          const rng = () => new Rng(seed).fork('aug', epoch, position);
          return await prepare(sample, rng, buffer, k * pixels);
        } catch (err) {
          if (!options.skipBad || !(err instanceof VisiontuneError)) throw err;
          if (!skippedIds.has(sample.key)) recordSkip(skipped, err.details[0] ?? err.message);
          skippedIds.add(sample.key);
          return undefined;
        }
      }),
    );
    const kept = results.flatMap((r, k) => (r ? [{ r, k }] : []));
    if (kept.length === 0) return null;
    let data = buffer;
    if (kept.length < taken.length) {
      data = new Float32Array(kept.length * pixels);
      kept.forEach(({ k }, w) => {
        data.set(buffer.subarray(k * pixels, (k + 1) * pixels), w * pixels);
      });
    }
    const prepared = kept.map(({ r }) => r);
    return {
      x: tf.tensor4d(data, [kept.length, size, size, 3]),
      labels: new Int32Array(kept.length),
      samples: prepared.map((p) => p.sample),
      targets: buildTargets(tasks, prepared, size),
      letterboxes: prepared.map((p) => p.letterbox),
      sizes: prepared.map((p) => p.size),
    };
  }

  async function* run(epoch: number): AsyncGenerator<MultiTaskBatch> {
    const { order } = epochPlan(samples, taskNames, {
      strategy,
      temperature: options.temperature,
      seed,
      epoch,
      epochSize,
      shuffle: options.shuffle === true,
    });
    yield* prefetched(
      numBatches,
      (b) => build(order, b, epoch),
      options.prefetch ?? 2,
      (batch) => batch.x.dispose(),
    );
  }

  return {
    numBatches,
    shard,
    numSamples: samples.length,
    skipped,
    epoch: (index) => ({ [Symbol.asyncIterator]: () => run(index) }),
  };
}
