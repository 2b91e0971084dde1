// Classifying images with a loaded bundle (TF.js, or ONNX Runtime for an ONNX bundle): the
// bundle's own preprocessing, softmax, top-k.
// The CLI's `predict`, the demo and the server share this path.
import * as tf from '@tensorflow/tfjs';
import { createLoader, evalTransform } from '../data/index.js';
import type { Transform } from '../data/transforms/types.js';
import type { DataSource, Sample } from '../data/types.js';
import { badUsage } from '../errors.js';
import { predictBatch, type RunnableBundle } from './batch-model.js';
import type { Preprocessing } from './meta.js';

export interface Scored {
  label: string;
  index: number;
  probability: number;
}

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
  const transform = bundleEvalTransform(meta.preprocessing);
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

/** The bundle's own eval preprocessing (resize, center crop, normalize to its input). */
export function bundleEvalTransform(p: Preprocessing): Transform {
  return evalTransform(p, { size: p.inputSize, cropPct: p.cropPct });
}

/** Top-k classes (softmax probabilities) per image of an input batch `x` (left to the caller). */
export async function classifyBatch(
  bundle: RunnableBundle,
  x: tf.Tensor,
  topK: number,
): Promise<Scored[][]> {
  const { labels } = bundle.meta;
  const k = Math.min(topK, labels.length);
  const logits = await predictBatch(bundle.model, x);
  const { values, indices } = tf.tidy(() => tf.topk(tf.softmax(logits), k));
  logits.dispose();
  const [v, ix] = [await values.data(), await indices.data()];
  tf.dispose([values, indices]);
  return Array.from({ length: x.shape[0] ?? 0 }, (_, i) =>
    Array.from({ length: k }, (_, j) => ({
      label: labels[ix[i * k + j]],
      index: ix[i * k + j],
      probability: v[i * k + j],
    })),
  );
}
