// Test support for the torch kernel suites: the addon status (skip reason, or a hard failure when
// VISIONTUNE_REQUIRE_TORCH is set, as in CI), seeded random inputs, and agree(), which runs the
// same computation on the cpu backend and on torch and compares every output.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { registerCpuKernelFixes } from '../wasm-kernels/index.js';
import { loadTorchAddon } from './addon.js';
import { registerTorchBackend } from './index.js';

export const status = loadTorchAddon();
if (!status.ok && process.env.VISIONTUNE_REQUIRE_TORCH) {
  throw new Error(`VISIONTUNE_REQUIRE_TORCH is set but ${status.reason}`);
}
export const skip = status.ok ? false : `torch engine unavailable: ${status.reason}`;
if (skip) console.log(`# ${skip}`);
else registerTorchBackend();
tf.env().set('PROD', true);
registerCpuKernelFixes(); // the cpu reference's AvgPoolGrad is wrong without it

export type Spec = {
  shape: number[];
  dtype?: 'float32' | 'int32' | 'bool';
  lo?: number;
  hi?: number;
};

/** Deterministic random values for a spec (integers for int32, 0/1 for bool). */
export function values(spec: Spec, seed: number): Float32Array | Int32Array | Uint8Array {
  const rng = new Rng(seed);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const lo = spec.lo ?? -2;
  const hi = spec.hi ?? 2;
  if (spec.dtype === 'bool') return Uint8Array.from({ length: n }, () => rng.int(2));
  if (spec.dtype === 'int32')
    return Int32Array.from({ length: n }, () => lo + rng.int(hi - lo + 1));
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Runs `f` on the same inputs under `backend`; returns shape, dtype and values of each output. */
function runOn(backend: string, specs: Spec[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]) {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = specs.map((s, i) => tf.tensor(values(s, 100 + i), s.shape, s.dtype ?? 'float32'));
    const out = f(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => ({
      shape: t.shape,
      dtype: t.dtype,
      data: Array.from(t.dataSync()),
    }));
  });
}

/**
 * Max error relative to max(|reference|, 1): relative for large values, absolute near zero
 * (where a pure relative error measures float noise, not a bug).
 */
export function agree(
  what: string,
  specs: Spec[],
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
) {
  const ref = runOn('cpu', specs, f);
  const got = runOn('torch', specs, f);
  assert.equal(got.length, ref.length, what);
  ref.forEach((r, k) => {
    const g = got[k]!;
    assert.deepEqual(g.shape, r.shape, `${what}: shape`);
    assert.equal(g.dtype, r.dtype, `${what}: dtype`);
    let worst = 0;
    r.data.forEach((v, i) => {
      const d = g.data[i]!;
      if (Number.isNaN(v)) assert.ok(Number.isNaN(d), `${what}[${i}]: NaN expected, got ${d}`);
      else worst = Math.max(worst, Math.abs(d - v) / Math.max(Math.abs(v), 1));
    });
    assert.ok(worst < 1e-4, `${what}: max relative error ${worst}`);
  });
}

export const F = (shape: number[], lo?: number, hi?: number): Spec => ({ shape, lo, hi });
export const I = (shape: number[], lo = -5, hi = 5): Spec => ({ shape, dtype: 'int32', lo, hi });
export const B = (shape: number[]): Spec => ({ shape, dtype: 'bool' });
