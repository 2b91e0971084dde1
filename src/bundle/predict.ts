// Classifying images with a loaded bundle (TF.js, or ONNX Runtime for an ONNX bundle): the
// bundle's own preprocessing, softmax, top-k; a multi-label classifier's sigmoid probabilities
// and the classes at or above the threshold.
// The CLI's `predict`, the demo and the server share this path.
import type * as tf from '@tensorflow/tfjs';
import { createLoader } from '../data/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { predictBatch, type RunnableBundle } from './batch-model.js';
import {
  MULTI_LABEL_THRESHOLD,
  presentClasses,
  probabilityRows,
  type Scored,
  topClasses,
} from './classify-output.js';
import type { BundleMeta } from './meta.js';
import { notA } from './multitask/task-view.js';
import { bundleTransform } from './preprocess.js';

export type { Scored };

/** One image's classes: the top k; for a multi-label classifier also those at or above the
 * threshold (`present`, most probable first). */
export interface Classified {
  top: Scored[];
  present?: Scored[];
}

export interface Prediction extends Classified {
  id: string;
}

export interface PredictOptions {
  topK?: number;
  /** Multi-label classifiers: the probability at or above which a class is present. */
  threshold?: number;
  batchSize?: number;
  onBatch?: (n: number) => void;
}

export async function predictSamples(
  bundle: RunnableBundle,
  source: DataSource,
  samples: readonly Sample[],
  options: PredictOptions = {},
): Promise<Prediction[]> {
  const { meta } = bundle;
  if (meta.task !== 'classification') throw notA(bundle, 'classifier');
  const transform = bundleTransform(meta.preprocessing);
  const loader = createLoader(source, samples, { batchSize: options.batchSize ?? 16, transform });
  const predictions: Prediction[] = [];
  for await (const batch of loader) {
    const classified = await classifyBatch(bundle, batch.x, options.topK ?? 5, options.threshold);
    batch.x.dispose();
    batch.samples.forEach((s, i) => {
      predictions.push({ id: s.id, ...classified[i] });
    });
    options.onBatch?.(batch.samples.length);
  }
  return predictions;
}

/** Each row of a classifier's logits [batch, classes] (kept) as its top-k classes, and for a
 * multi-label classifier the classes at or above `threshold`. */
export async function classifyLogits(
  logits: tf.Tensor,
  meta: Pick<BundleMeta, 'labels' | 'multiLabel'>,
  topK: number,
  threshold = MULTI_LABEL_THRESHOLD,
): Promise<Classified[]> {
  const probs = await probabilityRows(logits, meta.multiLabel);
  const images = logits.shape[0] ?? 0;
  const classes = probs.length / Math.max(1, images);
  return Array.from({ length: images }, (_, i) => {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    const top = topClasses(row, meta.labels, topK);
    return meta.multiLabel
      ? { top, present: presentClasses(row, meta.labels, threshold) }
      : { top };
  });
}

/** Classes per image of an input batch `x` (left to the caller): see classifyLogits. */
export async function classifyBatch(
  bundle: RunnableBundle,
  x: tf.Tensor,
  topK: number,
  threshold?: number,
): Promise<Classified[]> {
  const logits = await predictBatch(bundle.model, x);
  try {
    return await classifyLogits(logits, bundle.meta, topK, threshold);
  } finally {
    logits.dispose();
  }
}
