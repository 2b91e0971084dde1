// Features and class probabilities of the adaptation network over samples, in sample order and
// inference mode: what validation, selection by entropy and the domain diagnostics need.
import * as tf from '@tensorflow/tfjs';
import { createLoader } from '../../data/loader.js';
import type { Transform } from '../../data/transforms/types.js';
import type { DataSource, Sample } from '../../data/types.js';

export interface NetworkOutputs {
  features: Float32Array[];
  /** [n × classes] softmax probabilities, row-major. */
  probabilities: Float32Array;
}

export async function predictOutputs(
  net: tf.LayersModel,
  source: DataSource,
  samples: readonly Sample[],
  transform: Transform,
  batchSize: number,
): Promise<NetworkOutputs> {
  const features: Float32Array[] = [];
  const probs: number[] = [];
  for await (const batch of createLoader(source, samples, { batchSize, transform })) {
    const [f, p] = tf.tidy(() => {
      const [feat, logits] = net.predict(batch.x) as tf.Tensor[];
      return [feat!, tf.softmax(logits!)];
    });
    batch.x.dispose();
    const [fv, pv] = await Promise.all([f.data(), p.data()]);
    tf.dispose([f, p]);
    const dim = f.shape[1]!;
    for (let i = 0; i < f.shape[0]; i++)
      features.push(fv.slice(i * dim, (i + 1) * dim) as Float32Array);
    for (const v of pv) probs.push(v);
  }
  return { features, probabilities: Float32Array.from(probs) };
}

/** Mean Shannon entropy (nats) of probability rows. */
export function meanRowEntropy(probabilities: Float32Array, classes: number): number {
  const n = probabilities.length / classes;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (p > 0) sum -= p * Math.log(p);
  }
  return n > 0 ? sum / n : Number.NaN;
}
