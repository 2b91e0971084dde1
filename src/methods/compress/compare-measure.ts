// What a bundle costs, measured without the data: parameters and kernel sparsity of the loaded
// model, bytes on disk, the weight storage dtype from model.json, and inference throughput on
// the current backend. Reused by `visiontune compare`, the compress commands and bench/.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { prunableWeights } from './prune/magnitude.js';

export interface ParamCounts {
  /** model.countParams(): every weight, trainable or not (normalization statistics too). */
  params: number;
  /** Weights in conv / dense / depthwise / pointwise kernels, where pruning acts. */
  kernelParams: number;
  /** Kernel weights that are exactly zero. */
  zeroKernelParams: number;
  /** params − zeroKernelParams: zero biases and statistics are not pruning, so they count. */
  nonzeroParams: number;
  /** zeroKernelParams / kernelParams (0 for a model without kernels). */
  sparsity: number;
}

export function countParams(model: tf.LayersModel): ParamCounts {
  let kernelParams = 0;
  let zeroKernelParams = 0;
  // The kernels magnitude pruning acts on, so "sparsity" means the same in both places.
  for (const { variable } of prunableWeights(model)) {
    const values = variable.read().dataSync();
    kernelParams += values.length;
    for (let i = 0; i < values.length; i++) if (values[i] === 0) zeroKernelParams++;
  }
  const params = model.countParams();
  return {
    params,
    kernelParams,
    zeroKernelParams,
    nonzeroParams: params - zeroKernelParams,
    sparsity: kernelParams > 0 ? zeroKernelParams / kernelParams : 0,
  };
}

export interface DiskBytes {
  /** Every file under the bundle folder, recursively (model.json, weights, metadata, extras). */
  total: number;
  /** The weight files model.json's manifest names. */
  weights: number;
}

async function folderBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sum += await folderBytes(full);
    else if (entry.isFile()) sum += (await fs.stat(full)).size;
  }
  return sum;
}

async function readModelJson(dir: string): Promise<tf.io.ModelJSON> {
  const file = path.join(dir, 'model.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as tf.io.ModelJSON;
  } catch (err) {
    throw badInput(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Bytes on disk of a bundle folder, all files and the weight files alone. */
export async function bundleDiskBytes(dir: string): Promise<DiskBytes> {
  const json = await readModelJson(dir);
  const paths = (json.weightsManifest ?? []).flatMap((g) => g.paths);
  let weights = 0;
  for (const p of new Set(paths)) weights += (await fs.stat(path.join(dir, p))).size;
  return { total: await folderBytes(dir), weights };
}

/**
 * How the weights are stored: `float32`, or the quantization dtype (uint8 / uint16 / float16)
 * from the manifest. A mix (e.g. quantized kernels, float biases) lists every dtype, the one
 * holding most values first: `uint8+float32`.
 */
export async function weightStorageDtype(dir: string): Promise<string> {
  const json = await readModelJson(dir);
  const counts = new Map<string, number>();
  for (const spec of (json.weightsManifest ?? []).flatMap((g) => g.weights)) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const n = spec.shape.reduce((a, b) => a * b, 1);
    counts.set(dtype, (counts.get(dtype) ?? 0) + n);
  }
  if (counts.size === 0) return 'float32';
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([d]) => d)
    .join('+');
}

export interface ThroughputOptions {
  /** Images per predict call (default 32). */
  batch?: number;
  /** Timed runs; the median is reported (default 7). */
  runs?: number;
  /** Untimed runs first: kernel compilation, allocation and caches settle there (default 2). */
  warmup?: number;
  /** Seed of the random input, so every model sees the same batch (default 0). */
  seed?: number;
}

export interface Throughput {
  /** batch / median run time. */
  imagesPerSecond: number;
  /** From the slowest and the fastest run. */
  minImagesPerSecond: number;
  maxImagesPerSecond: number;
  medianMs: number;
  /** Every timed run, in order, in milliseconds. */
  runMs: number[];
  batch: number;
  runs: number;
  warmup: number;
  inputSize: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Inference throughput of `model` on the current backend: `predict` on one random
 * [batch, inputSize, inputSize, channels] batch plus reading every output back (`data()`),
 * since a backend may return before the math is done. Warm-up runs are excluded; the median
 * of the timed runs is robust to a stray GC pause or a noisy neighbour.
 */
export async function measureThroughput(
  model: tf.LayersModel,
  inputSize: number,
  options: ThroughputOptions = {},
): Promise<Throughput> {
  const batch = options.batch ?? 32;
  const runs = options.runs ?? 7;
  const warmup = options.warmup ?? 2;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be >= 1`);
  if (!(Number.isInteger(runs) && runs >= 1)) throw new RangeError(`runs must be >= 1`);
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new RangeError(`warmup must be >= 0`);
  const channels = model.inputs[0].shape[3] ?? 3;
  const x = tf.randomNormal(
    [batch, inputSize, inputSize, channels],
    0,
    1,
    'float32',
    options.seed ?? 0,
  );
  const once = async (): Promise<number> => {
    const start = performance.now();
    const y = model.predict(x);
    const outputs = Array.isArray(y) ? y : [y];
    await Promise.all(outputs.map((t) => t.data()));
    const ms = performance.now() - start;
    tf.dispose(outputs);
    return ms;
  };
  const runMs: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await once();
    for (let i = 0; i < runs; i++) runMs.push(await once());
  } finally {
    x.dispose();
  }
  const medianMs = median(runMs);
  const rate = (ms: number) => (batch * 1000) / Math.max(ms, 1e-6);
  return {
    imagesPerSecond: rate(medianMs),
    minImagesPerSecond: rate(Math.max(...runMs)),
    maxImagesPerSecond: rate(Math.min(...runMs)),
    medianMs,
    runMs,
    batch,
    runs,
    warmup,
    inputSize,
  };
}
