import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { proxyADistance } from './proxy-a-distance.js';

/** Standard normal CDF via erfc (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** n points of an isotropic Gaussian in d dimensions, shifted by `shift` along a fixed diagonal. */
function gaussian(n: number, d: number, shift: number, rng: Rng): Float32Array[] {
  const dir = 1 / Math.sqrt(d);
  return Array.from({ length: n }, () =>
    Float32Array.from({ length: d }, () => rng.normal() + shift * dir),
  );
}

test('identical distributions: PAD near 0, error near chance', () => {
  const rng = new Rng(1);
  const pad = proxyADistance(gaussian(1000, 10, 0, rng), gaussian(1000, 10, 0, rng), { seed: 3 });
  assert.ok(pad.distance < 0.3, `PAD ${pad.distance}`);
  assert.ok(Math.abs(pad.error - 0.5) < 0.05, `error ${pad.error}`);
  assert.equal(pad.n, 1000);
});

test('well-separated Gaussians: PAD near 2', () => {
  const rng = new Rng(2);
  const pad = proxyADistance(gaussian(400, 10, 0, rng), gaussian(400, 10, 8, rng));
  assert.ok(pad.distance > 1.8, `PAD ${pad.distance}`);
});

test('PAD grows with the shift and tracks the Bayes error 2(1 − 2Φ(−δ/2))', () => {
  const distances = [0.5, 1, 2, 3].map((shift) => {
    const rng = new Rng(4).fork(shift * 10);
    const pad = proxyADistance(gaussian(1000, 10, 0, rng), gaussian(1000, 10, shift, rng));
    const bayes = 2 * (1 - 2 * phi(-shift / 2));
    // A linear classifier is Bayes-optimal here; the slack is sampling error (σ ≈ 0.06).
    assert.ok(Math.abs(pad.distance - bayes) < 0.2, `shift ${shift}: ${pad.distance} vs ${bayes}`);
    return pad.distance;
  });
  for (let i = 1; i < distances.length; i++) {
    assert.ok(distances[i] > distances[i - 1], `not increasing: ${distances}`);
  }
  assert.ok(distances[1] > 0.4 && distances[1] < 1.6, `moderate shift: ${distances[1]}`);
});

test('deterministic for a seed; standardized, so the feature scale does not matter', () => {
  const rng = new Rng(5);
  const s = gaussian(300, 6, 0, rng);
  const t = gaussian(300, 6, 1, rng);
  const a = proxyADistance(s, t, { seed: 9 });
  assert.deepEqual(proxyADistance(s, t, { seed: 9 }), a);
  const scaled = (rows: Float32Array[]) => rows.map((r) => Array.from(r, (v, j) => v * 10 ** j));
  assert.equal(proxyADistance(scaled(s), scaled(t), { seed: 9 }).error, a.error);
  // Another seed draws other halves: a different but similar estimate.
  const b = proxyADistance(s, t, { seed: 10 });
  assert.notEqual(b.error, a.error);
  assert.ok(Math.abs(b.distance - a.distance) < 0.4);
});

test('unequal domain sizes are balanced: a big target does not read as a domain gap', () => {
  const rng = new Rng(6);
  const pad = proxyADistance(gaussian(200, 8, 0, rng), gaussian(2000, 8, 0, rng));
  assert.equal(pad.n, 200);
  assert.ok(pad.distance < 0.45, `PAD ${pad.distance}`);
  assert.equal(
    proxyADistance(gaussian(900, 8, 0, rng), gaussian(900, 8, 0, rng), { maxPerDomain: 100 }).n,
    100,
  );
});

test('bad input is named', () => {
  assert.throws(() => proxyADistance([[1, 2]], [[1, 2]]), /at least 2 examples per domain/);
  assert.throws(
    () =>
      proxyADistance(
        [
          [1, 2],
          [3, 4],
        ],
        [[1], [2]],
      ),
    /source has 2 features, target 1/,
  );
  assert.throws(
    () =>
      proxyADistance(
        [
          [1, 2],
          [3, Number.POSITIVE_INFINITY],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    /is Infinity/,
  );
});
