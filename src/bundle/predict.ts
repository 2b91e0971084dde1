// Classifying images with a loaded bundle (TF.js, or ONNX Runtime for an ONNX bundle): the
// bundle's own preprocessing, softmax, top-k.
// The CLI's `predict`, the demo and the server share this path.
import type * as tf from '@tensorflow/tfjs';
import { createLoader } from '../data/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { badUsage } from '../errors.js';
import { predictBatch, type RunnableBundle } from './batch-model.js';
import { type Scored, softmaxRows, topClasses } from './classify-output.js';
import { bundleTransform } from './preprocess.js';

export type { Scored };

export interface Prediction {
  id: string;
  top: Scored[];
}

export interface PredictOptions {
  topK?: number;
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
  if (meta.task !== 'classification')
    throw badUsage(`${bundle.dir} is a ${meta.task} bundle, not a classifier`);
  const transform = bundleTransform(meta.preprocessing);
  const loader = createLoader(source, samples, { batchSize: options.batchSize ?? 16, transform });
  const predictions: Prediction[] = [];
  for await (const batch of loader) {
    const top = await classifyBatch(bundle, batch.x, options.topK ?? 5);
    batch.x.dispose();
    batch.samples.forEach((s, i) => {
      predictions.push({ id: s.id, top: top[i] });
    });
    options.onBatch?.(batch.samples.length);
  }
  return predictions;
}

/** Top-k classes (softmax probabilities) per image of an input batch `x` (left to the caller). */
export async function classifyBatch(
  bundle: RunnableBundle,
  x: tf.Tensor,
  topK: number,
): Promise<Scored[][]> {
  const { labels } = bundle.meta;
  const logits = await predictBatch(bundle.model, x);
  const probs = await softmaxRows(logits).finally(() => logits.dispose());
  const classes = probs.length / (x.shape[0] ?? 1);
  return Array.from({ length: x.shape[0] ?? 0 }, (_, i) =>
    topClasses(probs.subarray(i * classes, (i + 1) * classes), labels, topK),
  );
}
