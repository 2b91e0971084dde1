import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { leep, nce } from './leep.js';

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test("LEEP and NCE on a worked example (the papers' formulas by hand)", () => {
  const probabilities = [0.8, 0.2, 0.6, 0.4, 0.3, 0.7, 0.1, 0.9];
  const input = { probabilities, sourceClasses: 2, labels: [0, 0, 1, 1], numClasses: 2 };
  // Joint P(y, z): y0 = (0.35, 0.15), y1 = (0.1, 0.4); so P(y | z0) = (7/9, 2/9), P(y | z1) =
  // (3/11, 8/11).
  const p = [
    (7 / 9) * 0.8 + (3 / 11) * 0.2,
    (7 / 9) * 0.6 + (3 / 11) * 0.4,
    (2 / 9) * 0.3 + (8 / 11) * 0.7,
    (2 / 9) * 0.1 + (8 / 11) * 0.9,
  ];
  close(leep(input), p.reduce((s, v) => s + Math.log(v), 0) / 4, 'LEEP');
  // Hard source labels (0, 0, 1, 1) determine the target labels: no conditional entropy.
  close(nce(input), 0, 'NCE');
});

test('labels independent of the source classes score log(1/K); a relabelling of them scores 0', () => {
  const K = 3;
  const n = 9 * K;
  const z = Array.from({ length: n }, (_, i) => i % K);
  const oneHot = z.flatMap((c) => Array.from({ length: K }, (_, j) => (j === c ? 1 : 0)));
  // y cycles K times slower than z: every (y, z) pair equally often.
  const independent = Array.from({ length: n }, (_, i) => Math.floor(i / K) % K);
  const base = { probabilities: oneHot, sourceClasses: K, numClasses: K };
  close(leep({ ...base, labels: independent }), Math.log(1 / K), 'LEEP independent');
  close(nce({ ...base, labels: independent }), Math.log(1 / K), 'NCE independent');
  const relabelled = z.map((c) => (c + 1) % K);
  close(leep({ ...base, labels: relabelled }), 0, 'LEEP relabelled');
  close(nce({ ...base, labels: relabelled }), 0, 'NCE relabelled');
});

test('on hard (one-hot) source predictions LEEP equals NCE; soft ones score lower than sharp', () => {
  const rng = new Rng(7);
  const [n, Z, K] = [60, 4, 3];
  const z = Array.from({ length: n }, () => rng.int(Z));
  const labels = z.map((c) => (rng.next() < 0.7 ? c % K : rng.int(K)));
  const oneHot = z.flatMap((c) => Array.from({ length: Z }, (_, j) => (j === c ? 1 : 0)));
  const hard = { probabilities: oneHot, sourceClasses: Z, labels, numClasses: K };
  close(leep(hard), nce(hard), 'LEEP = NCE');
  const soft = oneHot.map((p) => 0.5 * p + 0.5 / Z);
  assert.ok(leep({ ...hard, probabilities: soft }) < leep(hard));
});
