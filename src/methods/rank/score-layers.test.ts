import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { logme } from './logme.js';
import {
  COMBINE_TOP,
  type LayerFeatures,
  scoreLayers,
  standardizeColumns,
} from './score-layers.js';

/** n rows of `dim` features; `signal` scales the class-dependent part against unit noise. */
function layer(name: string, labels: number[], dim: number, signal: number, seed: number) {
  const rng = new Rng(seed);
  const centers = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => rng.normal()));
  const features = new Float32Array(labels.length * dim);
  labels.forEach((y, i) => {
    for (let j = 0; j < dim; j++)
      features[i * dim + j] = 5 + 3 * (signal * centers[y]![j]! + rng.normal());
  });
  return { layer: name, features, dim };
}

test('standardizeColumns matches a float64 z-score on random data; constant columns become 0', () => {
  const rng = new Rng(1);
  const [n, dim] = [37, 5];
  const x = Float32Array.from({ length: n * dim }, (_, i) =>
    i % dim === 3 ? 2.5 : 10 * rng.normal() + (i % 7),
  );
  const z = standardizeColumns(x, dim);
  for (let j = 0; j < dim; j++) {
    const col = Array.from({ length: n }, (_, i) => x[i * dim + j]!);
    const mean = col.reduce((a, v) => a + v, 0) / n;
    const std = Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    col.forEach((v, i) => {
      const expected = j === 3 ? 0 : (v - mean) / std;
      assert.ok(Math.abs(z[i * dim + j]! - expected) < 1e-9, `row ${i} col ${j}`);
    });
  }
});

test('scoreLayers: informative layers rank above noise, pairs are scored as a+b, best first', () => {
  const labels = Array.from({ length: 80 }, (_, i) => i % 4);
  const layers: LayerFeatures[] = [
    layer('noise', labels, 6, 0, 2),
    layer('weak', labels, 8, 0.3, 3),
    layer('strong', labels, 5, 2, 4),
    layer('mid', labels, 7, 0.8, 5),
  ];
  const scores = scoreLayers(layers, labels, 4);
  const singles = scores.filter((s) => !s.layer.includes('+')).map((s) => s.layer);
  assert.deepEqual(singles, ['strong', 'mid', 'weak', 'noise']);
  // The top COMBINE_TOP singles, paired in candidate order (shallow first).
  const pairs = scores
    .filter((s) => s.layer.includes('+'))
    .map((s) => s.layer)
    .sort();
  assert.equal(pairs.length, (COMBINE_TOP * (COMBINE_TOP - 1)) / 2);
  assert.deepEqual(pairs, ['strong+mid', 'weak+mid', 'weak+strong']);
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]!.score >= scores[i]!.score);
  // Each score is LogME of the standardized features, computed independently here.
  const strong = layers[2]!;
  const expected = logme({
    features: standardizeColumns(strong.features, strong.dim),
    dim: strong.dim,
    labels,
    numClasses: 4,
  });
  assert.ok(Math.abs(scores.find((s) => s.layer === 'strong')!.score - expected) < 1e-12);
  assert.equal(scores.find((s) => s.layer === 'strong+mid')!.dim, 12);
  // Known answer: shuffled labels take the signal away.
  const shuffled = new Rng(9).shuffle([...labels]);
  const [noisy] = scoreLayers([strong], shuffled, 4, { combine: false });
  assert.ok(noisy!.score < scores.find((s) => s.layer === 'strong')!.score - 0.1);
});
