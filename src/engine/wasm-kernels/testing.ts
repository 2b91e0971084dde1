// Test support for the wasm training kernels: seeded data, cpu-vs-wasm gradient runs and a
// robust relative error. Tests only; nothing in the library imports it.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadTorchAddon, registerTorchBackend } from '../torch/index.js';
import { registerCpuKernelFixes, registerWasmTrainingKernels } from './index.js';

export type BackendName = 'cpu' | 'wasm' | 'torch';

/** Backends to check against cpu: wasm, and torch where the native engine is built. */
export function backendsUnderTest(): BackendName[] {
  const torch = loadTorchAddon();
  if (!torch.ok && process.env.VISIONTUNE_REQUIRE_TORCH) {
    throw new Error(`VISIONTUNE_REQUIRE_TORCH is set but ${torch.reason}`);
  }
  return torch.ok ? ['wasm', 'torch'] : ['wasm'];
}

let wasmReady = false;

/** Makes `name` the active backend (registering our kernels the first time wasm is used). */
export async function useBackend(name: BackendName): Promise<void> {
  registerCpuKernelFixes();
  if (name === 'torch') registerTorchBackend();
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialize`);
  if (name === 'wasm' && !wasmReady) {
    registerWasmTrainingKernels();
    wasmReady = true;
  }
}

/** mulberry32: small, seedable, good enough for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-1, 1). */
export function randomValues(size: number, rand: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rand() * 2 - 1;
  return out;
}

/** max|a - b| / max(max|b|, 1e-6): scale-free, and safe when the expected values are ~0. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!Number.isFinite(a)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, Math.abs(a - b));
    scale = Math.max(scale, Math.abs(b));
  }
  return diff / Math.max(scale, 1e-6);
}

export interface InputSpec {
  shape: number[];
  values: Float32Array;
}

export function randomInputs(shapes: number[][], seed: number): InputSpec[] {
  const rand = seeded(seed);
  return shapes.map((shape) => ({
    shape,
    values: randomValues(tf.util.sizeFromShape(shape), rand),
  }));
}

/**
 * Gradients of Σ f(xs) · w (w a seeded random cotangent, so dy is not uniform) with respect to
 * every input, computed on `backend`. Returns the forward output too.
 */
export async function gradientsOn(
  backend: BackendName,
  inputs: readonly InputSpec[],
  f: (xs: tf.Tensor[]) => tf.Tensor,
  seed: number,
): Promise<{ output: Float32Array; grads: Float32Array[] }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const rand = seeded(seed ^ 0x5eed);
    let output = new Float32Array(0);
    const loss = (...args: tf.Tensor[]) => {
      const y = f(args);
      output = Float32Array.from(y.dataSync());
      return tf.sum(tf.mul(y, tf.tensor(randomValues(y.size, rand), y.shape)));
    };
    const grads = tf
      .grads(loss)(xs)
      .map((g) => Float32Array.from(g.dataSync()));
    return { output, grads };
  });
}

/** Runs one kernel directly on `backend` (for attrs the ops never pass, like NCHW). */
export async function kernelOn(
  backend: BackendName,
  kernelName: string,
  inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array }>,
  attrs: tf.NamedAttrMap,
): Promise<Float32Array> {
  await useBackend(backend);
  return tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    for (const [name, spec] of Object.entries(inputs)) {
      named[name] = tf.tensor(
        spec.values,
        spec.shape,
        spec.values instanceof Int32Array ? 'int32' : 'float32',
      );
    }
    const out = tf.engine().runKernel(kernelName, named, attrs) as tf.Tensor;
    return Float32Array.from(out.dataSync());
  });
}

/** Tracks the worst error seen so the test file can report it. */
export class WorstError {
  value = 0;
  where = '';
  record(err: number, where: string): number {
    if (err > this.value || Number.isNaN(err)) {
      this.value = err;
      this.where = where;
    }
    return err;
  }
  toString(): string {
    return `worst relative error ${this.value.toExponential(2)} (${this.where})`;
  }
}

/**
 * `steps` SGD steps of softmax cross-entropy on one fixed batch `x` (image i labelled
 * i % classes) in training mode; returns each step's loss. The whole-step tests' training.
 */
export function sgdSteps(
  model: tf.LayersModel,
  x: tf.Tensor,
  classes: number,
  steps: number,
  lr: number,
): number[] {
  const batch = x.shape[0]!;
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  const optimizer = tf.train.sgd(lr);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      true,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  labels.dispose();
  optimizer.dispose();
  return losses;
}
