// Softmax probabilities of a classifier over samples, in sample order, through the eval
// preprocessing: what evaluation, the report's worst-example grid and the demo all need.
import * as tf from '@tensorflow/tfjs';
import { createLoader } from '../../data/loader.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';

export async function predictProbabilities(
  model: tf.LayersModel,
  source: DataSource,
  samples: readonly Sample[],
  transform: Transform,
  batchSize = 32,
): Promise<{ probabilities: Float32Array; labels: Int32Array; ids: string[] }> {
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  const ids: string[] = [];
  for await (const batch of createLoader(source, samples, { batchSize, transform })) {
    const probs = tf.tidy(() => tf.softmax(model.predict(batch.x) as tf.Tensor2D));
    batch.x.dispose();
    chunks.push((await probs.data()) as Float32Array);
    probs.dispose();
    labels.push(...batch.labels);
    ids.push(...batch.samples.map((s) => s.id));
  }
  const probabilities = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    probabilities.set(c, offset);
    offset += c.length;
  }
  return { probabilities, labels: Int32Array.from(labels), ids };
}
