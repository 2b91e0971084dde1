// Evaluating a classification bundle on labelled data: the bundle's preprocessing, softmax
// probabilities streamed into the metrics accumulator, labels matched to the bundle by name.
import * as tf from '@tensorflow/tfjs';
import { createLoader } from '../data/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { badInput } from '../errors.js';
import { ClassificationAccumulator, type ClassificationMetrics } from '../metrics/index.js';
import { predictBatch, type RunnableBundle } from './batch-model.js';
import { notA } from './multitask/task-view.js';
import { bundleTransform } from './preprocess.js';

export interface EvaluateOptions {
  batchSize?: number;
  topK?: number[];
  onBatch?: (n: number) => void;
}

/** Maps the source's label indices onto the bundle's; a class the bundle does not know is bad input. */
function labelMap(
  bundle: RunnableBundle,
  source: DataSource,
  samples: readonly Sample[],
): Int32Array {
  const index = new Map(bundle.meta.labels.map((l, i) => [l, i]));
  const present = new Set(samples.map((s) => s.label));
  const unknown = source.classes.filter((c, i) => present.has(i) && !index.has(c));
  if (unknown.length > 0) {
    throw badInput(`${source.name} has classes the model ${bundle.dir} was not trained on`, [
      `unknown: ${unknown.join(', ')}`,
      `model labels: ${bundle.meta.labels.join(', ')}`,
    ]);
  }
  return Int32Array.from(source.classes, (c) => index.get(c) ?? -1);
}

export async function evaluateBundle(
  bundle: RunnableBundle,
  source: DataSource,
  samples: readonly Sample[],
  options: EvaluateOptions = {},
): Promise<ClassificationMetrics> {
  if (bundle.meta.task !== 'classification') throw notA(bundle, 'classifier');
  if (samples.length === 0) throw badInput(`${source.name}: no labelled images to evaluate`);
  const toBundle = labelMap(bundle, source, samples);
  const p = bundle.meta.preprocessing;
  const transform = bundleTransform(p);
  const loader = createLoader(source, samples, { batchSize: options.batchSize ?? 32, transform });
  const accumulator = new ClassificationAccumulator(bundle.meta.labels.length, {
    topK: options.topK ?? [1, 5],
  });
  for await (const batch of loader) {
    const logits = await predictBatch(bundle.model, batch.x);
    const probs = tf.softmax(logits);
    tf.dispose([logits, batch.x]);
    const values = (await probs.data()) as Float32Array;
    probs.dispose();
    accumulator.add(
      values,
      Int32Array.from(batch.labels, (l) => toBundle[l]),
    );
    options.onBatch?.(batch.samples.length);
  }
  return accumulator.result();
}
