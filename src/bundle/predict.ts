// Classifying images with a loaded bundle (TF.js, or ONNX Runtime for an ONNX bundle): the
// bundle's own preprocessing, softmax, top-k.
// The CLI's `predict`, the demo and the server (later) share this path.
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
  const k = Math.min(options.topK ?? 5, meta.labels.length);
  const p = meta.preprocessing;
  const transform = bundleTransform(p);
  const loader = createLoader(source, samples, { batchSize: options.batchSize ?? 16, transform });
  const predictions: Prediction[] = [];
  for await (const batch of loader) {
    const logits = await predictBatch(bundle.model, batch.x);
    batch.x.dispose();
    const probs = await softmaxRows(logits).finally(() => logits.dispose());
    const classes = probs.length / batch.samples.length;
    batch.samples.forEach((s, i) => {
      const row = probs.subarray(i * classes, (i + 1) * classes);
      predictions.push({ id: s.id, top: topClasses(row, meta.labels, k) });
    });
    options.onBatch?.(batch.samples.length);
  }
  return predictions;
}
