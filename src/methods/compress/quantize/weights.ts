// Rewrites a model's weight artifacts (manifest entries + one binary blob) so chosen float32
// tensors are stored quantized, in the manifest format `tf.loadLayersModel` already decodes:
// `quantization: { dtype: 'uint8' | 'uint16', scale, min }` or `{ dtype: 'float16' }`.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { quantizeAffine } from './affine.js';
import { encodeFloat16, fromFloat16Bits } from './float16.js';

export const QUANTIZE_DTYPES = ['uint8', 'uint16', 'float16'] as const;
export type QuantizeDtype = (typeof QUANTIZE_DTYPES)[number];

/**
 * Which float tensors to quantize. `kernels`: rank ≥ 2 (conv, depthwise and dense kernels),
 * keeping rank-1 vectors (biases, batch-norm gamma/beta/mean/variance) float32. `all`: every
 * float32 tensor.
 */
export const QUANTIZE_SCOPES = ['kernels', 'all'] as const;
export type QuantizeScope = (typeof QUANTIZE_SCOPES)[number];

export interface TensorQuantization {
  name: string;
  shape: number[];
  /** Largest |dequantized - original| over the tensor (0 for exactly representable tensors). */
  maxAbsError: number;
  /** The affine step (uint8/uint16 only): the spacing of representable values. */
  scale?: number;
}

export interface QuantizedWeights {
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  quantized: TensorQuantization[];
  /** Tensors left as they were: out of scope, or not float32. */
  kept: string[];
}

const BYTES: Partial<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

function inScope(spec: tf.io.WeightsManifestEntry, scope: QuantizeScope): boolean {
  return spec.dtype === 'float32' && (scope === 'all' || spec.shape.length >= 2);
}

function quantizeTensor(
  values: Float32Array,
  dtype: QuantizeDtype,
  rng?: Rng,
): { bytes: Uint8Array; quantization: tf.io.WeightsManifestEntry['quantization'] } & Omit<
  TensorQuantization,
  'name' | 'shape'
> {
  if (dtype === 'float16') {
    const codes = encodeFloat16(values);
    let maxAbsError = 0;
    for (let i = 0; i < values.length; i++) {
      const error = Math.abs(Math.fround(fromFloat16Bits(codes[i]!)) - values[i]!);
      // A weight past ±65504 becomes ±Inf: an infinite error the report must show.
      if (!(error <= maxAbsError)) maxAbsError = error;
    }
    return { bytes: new Uint8Array(codes.buffer), quantization: { dtype }, maxAbsError };
  }
  const { codes, scale, min, maxAbsError } = quantizeAffine(values, dtype, rng);
  return {
    bytes: new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength),
    quantization: { dtype, scale, min },
    maxAbsError,
    scale,
  };
}

/** Quantizes the in-scope tensors of `specs`/`data`; everything else is copied byte for byte. */
export function quantizeWeights(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: tf.io.WeightData,
  dtype: QuantizeDtype,
  scope: QuantizeScope,
  /** Round uint8/uint16 codes stochastically, seeded per tensor name (see quantizeAffine). */
  stochastic?: { seed: number },
): QuantizedWeights {
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
  const chunks: Uint8Array[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const quantized: TensorQuantization[] = [];
  const kept: string[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const width = BYTES[spec.dtype];
    // model.save writes plain tensors; anything else (strings, already quantized) is not ours.
    if (width === undefined || spec.quantization) {
      throw new Error(`cannot re-encode weight ${spec.name} (${spec.dtype}, already quantized?)`);
    }
    const raw = bytes.subarray(offset, offset + size * width);
    offset += size * width;
    if (!inScope(spec, scope)) {
      chunks.push(raw);
      weightSpecs.push(spec);
      kept.push(spec.name);
      continue;
    }
    // A copy: the blob gives no 4-byte alignment guarantee for a Float32Array view.
    const values = new Float32Array(raw.slice().buffer);
    let result: ReturnType<typeof quantizeTensor>;
    try {
      const rng = stochastic && new Rng(stochastic.seed).fork(spec.name);
      result = quantizeTensor(values, dtype, rng);
    } catch (err) {
      throw new RangeError(`weight ${spec.name}: ${(err as Error).message}`);
    }
    chunks.push(result.bytes);
    weightSpecs.push({ ...spec, quantization: result.quantization });
    quantized.push({
      name: spec.name,
      shape: [...spec.shape],
      maxAbsError: result.maxAbsError,
      ...(result.scale !== undefined ? { scale: result.scale } : {}),
    });
  }
  if (offset !== bytes.byteLength) {
    throw new Error(
      `weight specs cover ${offset} bytes but the weight data has ${bytes.byteLength}`,
    );
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return { weightSpecs, weightData: out.buffer, quantized, kept };
}
