// Classifying images with a loaded bundle (TF.js, or ONNX Runtime for an ONNX bundle): the
// bundle's own preprocessing, softmax, top-k.
// The CLI's `predict`, the demo and the server (later) share this path.
import * as tf from '@tensorflow/tfjs';
import { createLoader, evalTransform } from '../data/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { badUsage } from '../errors.js';
import { predictBatch, type RunnableBundle } from './batch-model.js';

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
  const k = Math.min(options.topK ?? 5, meta.labels.length);
  const p = meta.preprocessing;
  const transform = evalTransform(p, { size: p.inputSize, cropPct: p.cropPct });
  const loader = createLoader(source, samples, { batchSize: options.batchSize ?? 16, transform });
  const predictions: Prediction[] = [];
  for await (const batch of loader) {
    const logits = await predictBatch(bundle.model, batch.x);
    const { values, indices } = tf.tidy(() => tf.topk(tf.softmax(logits), k));
    tf.dispose([logits, batch.x]);
    const [v, ix] = [await values.data(), await indices.data()];
    tf.dispose([values, indices]);
    batch.samples.forEach((s, i) => {
      const top = Array.from({ length: k }, (_, j) => ({
        label: meta.labels[ix[i * k + j]],
        index: ix[i * k + j],
        probability: v[i * k + j],
      }));
      predictions.push({ id: s.id, top });
    });
    options.onBatch?.(batch.samples.length);
  }
  return predictions;
}
