// The adaptation network's bottleneck features over samples, in sample order and inference mode:
// what the proxy A-distance and the domain scatter are computed from.
import * as tf from '@tensorflow/tfjs';
import { createLoader } from '../../data/loader.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';

export async function predictFeatures(
  net: tf.LayersModel,
  source: DataSource,
  samples: readonly Sample[],
  transform: Transform,
  batchSize: number,
): Promise<Float32Array[]> {
  const features: Float32Array[] = [];
  for await (const batch of createLoader(source, samples, { batchSize, transform })) {
    const f = tf.tidy(() => (net.predict(batch.x) as tf.Tensor[])[0]!);
    batch.x.dispose();
    const values = await f.data();
    const [n, dim] = f.shape as [number, number];
    f.dispose();
    for (let i = 0; i < n; i++) features.push(values.slice(i * dim, (i + 1) * dim) as Float32Array);
  }
  return features;
}
