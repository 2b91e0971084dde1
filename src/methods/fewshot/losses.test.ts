import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import {
  cosineSimilarities,
  episodeCrossEntropy,
  negSquaredDistances,
  prototypes,
} from './losses.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const rng = new Rng(11);
const random = (n: number) => Array.from({ length: n }, () => rng.normal() * 3 + 1);

test('prototypes, squared distances and cosine match a float64 reference on random embeddings', () => {
  const [ns, nq, dim, ways] = [9, 7, 5, 3];
  const s = random(ns * dim);
  const q = random(nq * dim);
  const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 2, 2, 0]);
  const protos = prototypes(tf.tensor2d(s, [ns, dim]), labels, ways);
  const ref: number[][] = Array.from({ length: ways }, (_, c) => {
    const rows = [...labels.keys()].filter((i) => labels[i] === c);
    return Array.from(
      { length: dim },
      (_, j) => rows.reduce((a, i) => a + s[i * dim + j]!, 0) / rows.length,
    );
  });
  const got = protos.arraySync();
  for (const [c, row] of ref.entries())
    for (const [j, v] of row.entries()) assert.ok(Math.abs(got[c]![j]! - v) < 1e-4);
  const d = negSquaredDistances(tf.tensor2d(q, [nq, dim]), protos).arraySync();
  const cos = cosineSimilarities(tf.tensor2d(q, [nq, dim]), protos).arraySync();
  for (let i = 0; i < nq; i++) {
    for (let c = 0; c < ways; c++) {
      const qi = q.slice(i * dim, (i + 1) * dim);
      const sq = qi.reduce((a, v, j) => a + (v - ref[c]![j]!) ** 2, 0);
      assert.ok(Math.abs(d[i]![c]! + sq) < 1e-3 * Math.max(1, sq), `distance ${i},${c}`);
      const dot = qi.reduce((a, v, j) => a + v * ref[c]![j]!, 0);
      const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
      assert.ok(
        Math.abs(cos[i]![c]! - dot / (norm(qi) * norm(ref[c]!))) < 1e-5,
        `cosine ${i},${c}`,
      );
    }
  }
});

test('episodeCrossEntropy equals −mean log softmax of the true class (float64 reference)', () => {
  const logits = random(12);
  const labels = Int32Array.from([2, 0, 1, 2]);
  const loss = episodeCrossEntropy(tf.tensor2d(logits, [4, 3]), labels, 3).dataSync()[0]!;
  let ref = 0;
  for (let i = 0; i < 4; i++) {
    const row = logits.slice(i * 3, i * 3 + 3);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    ref += lse - row[labels[i]!]!;
  }
  assert.ok(Math.abs(loss - ref / 4) < 1e-5);
});
