import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { clipByGlobalNorm } from './clip.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

const SHAPES = [[4, 5], [7], [2, 2, 3]];

function randomGrads(seed: number, scale: number): Record<string, Float32Array> {
  const rng = new Rng(seed);
  return Object.fromEntries(
    SHAPES.map((s, j) => [
      `w${j}`,
      Float32Array.from({ length: s.reduce((n, d) => n * d, 1) }, () => rng.normal() * scale),
    ]),
  );
}

const toTensors = (g: Record<string, Float32Array>) =>
  Object.fromEntries(Object.entries(g).map(([k, v], j) => [k, tf.tensor(v, SHAPES[j])]));

/** float64: sqrt of the sum of squares over every element of every gradient. */
function norm64(g: Record<string, Float32Array>): number {
  let s = 0;
  for (const v of Object.values(g)) for (const x of v) s += x * x;
  return Math.sqrt(s);
}

test('clips to maxNorm like clip_grad_norm_, against a float64 computation', async () => {
  const raw = randomGrads(1, 3);
  const grads = toTensors(raw);
  const before = tf.memory().numTensors;
  const { grads: out, norm, clipped, finite } = await clipByGlobalNorm(grads, 1);
  const ref = norm64(raw);
  assert.ok(finite && clipped);
  assert.ok(Math.abs(norm - ref) / ref < 1e-6, `norm ${norm} vs ${ref}`);
  const scale = 1 / (ref + 1e-6);
  let worst = 0;
  for (const [k, t] of Object.entries(out)) {
    const got = t.dataSync();
    raw[k].forEach((x, i) => {
      worst = Math.max(worst, Math.abs(got[i] - x * scale) / Math.abs(x * scale || 1));
    });
  }
  console.log(`clip: norm relative error ${Math.abs(norm - ref) / ref}, scaled grads ${worst}`);
  assert.ok(worst < 1e-6, `scaled gradient relative error ${worst}`);
  // Clipped norm is maxNorm (up to the 1e-6 in the denominator).
  const after = norm64(
    Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dataSync() as Float32Array])),
  );
  assert.ok(Math.abs(after - 1) < 1e-5, `clipped norm ${after}`);
  // Only the scaled copies are new; the inputs are untouched.
  assert.equal(tf.memory().numTensors, before + SHAPES.length);
  assert.deepEqual(grads['w0'].dataSync(), raw['w0']);
  tf.dispose([...Object.values(grads), ...Object.values(out)]);
});

test('below maxNorm nothing changes; a Map stays a Map', async () => {
  const raw = randomGrads(2, 0.01);
  const grads = new Map(Object.entries(toTensors(raw)));
  const r = await clipByGlobalNorm(grads, 5);
  assert.ok(!r.clipped && r.finite);
  assert.ok(r.grads instanceof Map);
  assert.equal(r.grads.get('w1'), grads.get('w1'));
  assert.ok(Math.abs(r.norm - norm64(raw)) / norm64(raw) < 1e-6);
  tf.dispose([...grads.values()]);
});

test('clips exactly when the norm exceeds maxNorm', async () => {
  const raw = randomGrads(4, 1);
  const n = norm64(raw);
  const grads = toTensors(raw);
  const above = await clipByGlobalNorm(grads, n / 1.5);
  assert.ok(above.clipped);
  const below = await clipByGlobalNorm(grads, n * 1.001);
  assert.ok(!below.clipped);
  tf.dispose([...Object.values(grads), ...Object.values(above.grads)]);
});

test('a non-finite norm is reported, not clipped', async () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const raw = randomGrads(3, 1);
    raw['w1'][2] = bad;
    const grads = toTensors(raw);
    const r = await clipByGlobalNorm(grads, 1);
    assert.equal(r.finite, false);
    assert.equal(r.clipped, false);
    assert.ok(!Number.isFinite(r.norm));
    assert.equal(r.grads, grads);
    tf.dispose(Object.values(grads));
  }
  // Overflow of the sum of squares in float32 is also non-finite, and says so.
  const huge = { w: tf.fill([4], 1e30) };
  assert.equal((await clipByGlobalNorm(huge, 1)).finite, false);
  tf.dispose(huge.w);
});
