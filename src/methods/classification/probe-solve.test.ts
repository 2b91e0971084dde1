// The solved linear head against float64 references on random data: the Dense layer it writes
// computes the probe's logits on raw embeddings (the Standardize layer in front), the kept L2
// strength is the one with the lowest validation loss, and each fit is the optimum (zero
// gradient) of its penalized objective; a known answer: separable classes are all recovered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { featureStatistics } from '../../heads/standardize.js';
import { Rng } from '../../util/rng.js';
import type { EmbeddingSet } from '../embed.js';
import { linearHead } from './linear-head.js';
import { describeSolve, PROBE_L2_GRID, solveProbe } from './probe-solve.js';

/** `n` points per class around random centres (spread `noise`), with a random scale per feature. */
function clusters(n: number, classes: number, dim: number, noise: number, seed: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () =>
    Array.from({ length: dim }, () => rng.normal()),
  );
  const scale = Array.from({ length: dim }, () => 0.1 + 5 * rng.next());
  const set = (count: number): EmbeddingSet => {
    const labels = Int32Array.from({ length: count * classes }, (_, i) => i % classes);
    const embeddings = new Float32Array(labels.length * dim);
    labels.forEach((y, i) => {
      for (let j = 0; j < dim; j++)
        embeddings[i * dim + j] = (centres[y]![j]! + noise * rng.normal()) * scale[j]! + 3;
    });
    return { ids: Array.from(labels, (_, i) => String(i)), labels, embeddings, dim };
  };
  return { train: set(n), val: set(n) };
}

/** Float64 logits of the probe's weights on raw rows, standardized with `stats`. */
function referenceLogits(
  w: Float64Array,
  set: EmbeddingSet,
  stats: { mean: number[]; std: number[] },
  classes: number,
) {
  const { dim } = set;
  return Array.from({ length: set.labels.length }, (_, i) =>
    Array.from({ length: classes }, (_, k) => {
      let z = w[dim * classes + k]!;
      for (let j = 0; j < dim; j++)
        z +=
          ((set.embeddings[i * dim + j]! - stats.mean[j]!) / stats.std[j]!) * w[j * classes + k]!;
      return z;
    }),
  );
}

test('the solved head computes the float64 probe on raw embeddings, with the L2 of lowest val loss', async () => {
  const classes = 4;
  const { train, val } = clusters(12, classes, 9, 1.5, 3);
  const head = linearHead(train, val, { classes, seed: 1 });
  assert.ok(head.plan.solve, 'a plain linear head is solved, not trained by SGD');
  const result = await head.plan.solve(undefined);
  head.plan.optimizer.dispose();
  assert.equal(result.history.length, PROBE_L2_GRID.length);
  assert.deepEqual(
    result.history.map((r) => r.l2),
    [...PROBE_L2_GRID],
  );
  const losses = result.history.map((r) => r.val_loss as number);
  assert.equal(result.bestEpoch, losses.indexOf(Math.min(...losses)) + 1);
  const kept = PROBE_L2_GRID[result.bestEpoch - 1];
  assert.match(describeSolve(result.history)!, new RegExp(`L2 ${kept} of 1, 0.1, 0.01, 0.001 `));
  assert.equal(describeSolve([{ epoch: 1, loss: 0.5, val_loss: 0.6 }]), undefined, 'SGD history');

  const stats = featureStatistics(train.embeddings, train.dim);
  const solved = solveProbe(train, val, stats, classes);
  const expected = referenceLogits(solved.weights, val, stats, classes);
  const got = tf.tidy(
    () =>
      (
        head.model.predict(tf.tensor2d(val.embeddings, [val.labels.length, val.dim])) as tf.Tensor
      ).arraySync() as number[][],
  );
  let worst = 0;
  for (const [i, row] of got.entries())
    for (const [k, z] of row.entries())
      worst = Math.max(worst, Math.abs(z - expected[i]![k]!) / (1 + Math.abs(expected[i]![k]!)));
  assert.ok(worst < 1e-4, `head logits differ from the float64 probe by ${worst}`);
  head.model.dispose();
});

test('each fit is the optimum of its penalized objective (zero gradient, central differences)', () => {
  const classes = 3;
  const { train, val } = clusters(8, classes, 5, 2, 7);
  const stats = featureStatistics(train.embeddings, train.dim);
  const solved = solveProbe(train, val, stats, classes);
  const { dim } = train;
  const x = Array.from(
    train.embeddings,
    (v, i) => (v - stats.mean[i % dim]!) / stats.std[i % dim]!,
  );
  const objective = (w: Float64Array) => {
    let loss = 0;
    for (let i = 0; i < train.labels.length; i++) {
      const z = Array.from({ length: classes }, (_, k) => {
        let s = w[dim * classes + k]!;
        for (let j = 0; j < dim; j++) s += x[i * dim + j]! * w[j * classes + k]!;
        return s;
      });
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
      loss += lse - z[train.labels[i]!]!;
    }
    let penalty = 0;
    for (let j = 0; j < dim * classes; j++) penalty += w[j]! ** 2;
    return loss / train.labels.length + (solved.l2 / 2) * penalty;
  };
  const h = 1e-5;
  for (let p = 0; p < solved.weights.length; p++) {
    const plus = Float64Array.from(solved.weights);
    const minus = Float64Array.from(solved.weights);
    plus[p]! += h;
    minus[p]! -= h;
    const gradient = (objective(plus) - objective(minus)) / (2 * h);
    assert.ok(Math.abs(gradient) < 1e-4, `gradient ${gradient} at weight ${p}`);
  }
});

test('known answer: well-separated classes are all recovered; without val the default L2 alone', () => {
  const classes = 5;
  const { train, val } = clusters(6, classes, 12, 0.05, 11);
  const stats = featureStatistics(train.embeddings, train.dim);
  const solved = solveProbe(train, val, stats, classes);
  assert.equal(solved.history[solved.bestEpoch - 1]!.val_accuracy, 1);
  const alone = solveProbe(train, undefined, stats, classes);
  assert.equal(alone.history.length, 1);
  assert.equal(alone.l2, 1e-2);
  assert.equal(alone.history[0]!.val_loss, undefined);
});

test('a head with a hidden layer, dropout or label smoothing keeps SGD training', () => {
  const { train, val } = clusters(4, 2, 3, 1, 1);
  for (const extra of [{ hidden: 4 }, { dropRate: 0.2 }, { labelSmoothing: 0.1 }]) {
    const head = linearHead(train, val, { classes: 2, ...extra });
    assert.equal(head.plan.solve, undefined, JSON.stringify(extra));
    head.plan.optimizer.dispose();
    head.model.dispose();
  }
});
