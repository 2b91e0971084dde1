// Test fixtures for the MAML family: a small Dense body standing in for a network body, and
// episodes of Gaussian clusters in "cut-feature" space, so the tests run in seconds on cpu.
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../../backbones/batchnorm-fix.js';
import { Rng } from '../../../util/rng.js';
import type { EpisodeTensors } from '../learner.js';
import type { MetaNetwork } from './maml.js';
import { HEAD_FEATURE_SCALE } from './maml.js';

/**
 * cut features [n, inputDim] → Dense(hidden, activation) → Dense(embeddingDim), with a trainable
 * BatchNorm (ours) after the first Dense when `batchNorm`.
 */
export function denseNetwork(
  seed: number,
  opts: {
    inputDim?: number;
    hidden?: number;
    embeddingDim?: number;
    activation?: string;
    batchNorm?: boolean;
  } = {},
): MetaNetwork {
  const { inputDim = 8, hidden = 16, embeddingDim = 8, activation = 'softplus' } = opts;
  const body = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [inputDim],
        units: hidden,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: seed + 1 }),
      }),
      ...(opts.batchNorm ? [batchNormalization()] : []),
      tf.layers.activation({ activation: activation as 'relu' }),
      tf.layers.dense({
        units: embeddingDim,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: seed + 3 }),
      }),
    ],
  });
  return { body, embeddingDim };
}

/**
 * Episodes from `classes` Gaussian clusters whose centres differ only in the first `informative`
 * dimensions; the other dimensions are noise with `noise` standard deviation — a body that learns
 * to ignore them helps every episode, which is what meta-learning can find.
 */
export function clusterEpisodes(
  count: number,
  seed: number,
  opts: { ways?: number; shots?: number; queries?: number; dim?: number; noise?: number } = {},
): EpisodeTensors[] {
  const { ways = 3, shots = 2, queries = 4, dim = 8, noise = 2 } = opts;
  const informative = 2;
  const classes = 12;
  const centres = Array.from({ length: classes }, (_, c) =>
    Array.from({ length: informative }, (_, j) =>
      Math.cos((2 * Math.PI * c) / classes + j * (Math.PI / 2)),
    ),
  );
  const stream = new Rng(seed);
  const random = () => stream.next();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const sample = (c: number) =>
    Array.from({ length: dim }, (_, j) =>
      j < informative ? centres[c]![j]! + 0.15 * gauss() : noise * gauss(),
    );
  return Array.from({ length: count }, () => {
    const picked: number[] = [];
    while (picked.length < ways) {
      const c = Math.floor(random() * classes);
      if (!picked.includes(c)) picked.push(c);
    }
    const make = (per: number) => {
      const rows: number[][] = [];
      const labels: number[] = [];
      picked.forEach((c, j) => {
        for (let i = 0; i < per; i++) {
          rows.push(sample(c));
          labels.push(j);
        }
      });
      return { x: tf.tensor2d(rows), labels: Int32Array.from(labels) };
    };
    const s = make(shots);
    const q = make(queries);
    return { support: s.x, supportLabels: s.labels, query: q.x, queryLabels: q.labels, ways };
  });
}

export function disposeEpisodes(episodes: EpisodeTensors[]): void {
  for (const e of episodes) tf.dispose([e.support, e.query]);
}

/** Copies of every weight value of the network body and the given variables. */
export function allValues(network: MetaNetwork, extra: tf.Variable[] = []): Float32Array[] {
  return [...network.body.weights.map((w) => w.read()), ...extra].map(
    (t) => t.dataSync().slice() as Float32Array,
  );
}

/** What the head sees, computed independently of headLogits: unit rows (tf.norm) × the head scale. */
export function headInput(emb: tf.Tensor): tf.Tensor2D {
  return tf.mul(tf.div(emb, tf.norm(emb, 'euclidean', 1, true)), HEAD_FEATURE_SCALE) as tf.Tensor2D;
}
