// Parameters and inference time of "all tasks together": one multi-task network's forward pass on
// a batch against the single-task networks' passes on the same batch, one after another (their
// sum). The trained bundles are loaded as users load them (loadBundle). Timings are interleaved —
// each rep runs the multi-task pass and every single-task pass in a shuffled order — so load from
// other work on a shared machine falls on both sides alike; medians over the reps are reported.
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../src/bundle/bundle.js';
import { Rng } from '../../src/util/rng.js';

export interface InferenceComparison {
  batch: number;
  inputSize: number;
  reps: number;
  multiTask: { parameters: number; medianSeconds: number };
  singleTask: {
    parameters: Record<string, number>;
    /** Each single-task network's median pass. */
    medianSeconds: Record<string, number>;
    medianSecondsSum: number;
    total: number;
  };
  /** Sum of the single-task networks' parameters over the multi-task network's. */
  parameterRatio: number;
  /** Sum of the single-task passes' time over the multi-task pass's (medians of the reps). */
  speedup: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Seconds of one forward pass, every output read back (so lazy backends finish the work). */
async function forward(model: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const started = performance.now();
  const out = model.predict(x);
  const outputs = Array.isArray(out) ? out : [out as tf.Tensor];
  await Promise.all(outputs.map((o) => o.data()));
  const seconds = (performance.now() - started) / 1000;
  tf.dispose(outputs);
  return seconds;
}

/**
 * Compares the multi-task bundle at `multiTask` with the single-task bundles (task name → run
 * folder or bundle) on one random batch of `batch` images at `inputSize`.
 */
export async function compareInference(
  multiTask: string,
  singles: Record<string, string>,
  options: { batch: number; inputSize: number; reps: number; seed?: number },
): Promise<InferenceComparison> {
  const multi = await loadBundle(multiTask);
  const single = await Promise.all(
    Object.entries(singles).map(async ([task, dir]) => ({ task, ...(await loadBundle(dir)) })),
  );
  const { batch, inputSize, reps } = options;
  const x = tf.randomNormal([batch, inputSize, inputSize, 3], 0, 1, 'float32', options.seed ?? 0);
  try {
    // Warm-up: the first pass of each model builds kernels and caches.
    await forward(multi.model, x);
    for (const s of single) await forward(s.model, x);
    const rng = new Rng(options.seed ?? 0).fork('inference-order');
    const multiTimes: number[] = [];
    const sums: number[] = [];
    const perSingle: number[][] = single.map(() => []);
    for (let r = 0; r < reps; r++) {
      // -1 is the multi-task pass, 0..n-1 the single-task ones.
      const order = rng.shuffle([-1, ...single.map((_, i) => i)]);
      let sum = 0;
      for (const i of order) {
        if (i < 0) multiTimes.push(await forward(multi.model, x));
        else {
          const seconds = await forward(single[i]!.model, x);
          perSingle[i]!.push(seconds);
          sum += seconds;
        }
      }
      sums.push(sum);
    }
    const parameters = Object.fromEntries(single.map((s) => [s.task, s.model.countParams()]));
    const total = Object.values(parameters).reduce((a, b) => a + b, 0);
    const multiParameters = multi.model.countParams();
    const multiSeconds = median(multiTimes);
    const singleSeconds = median(sums);
    return {
      batch,
      inputSize,
      reps,
      multiTask: { parameters: multiParameters, medianSeconds: multiSeconds },
      singleTask: {
        parameters,
        medianSeconds: Object.fromEntries(single.map((s, i) => [s.task, median(perSingle[i]!)])),
        medianSecondsSum: singleSeconds,
        total,
      },
      parameterRatio: total / multiParameters,
      speedup: singleSeconds / multiSeconds,
    };
  } finally {
    x.dispose();
    multi.model.dispose();
    for (const s of single) s.model.dispose();
  }
}
