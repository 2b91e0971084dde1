// Saving a model as a delta on its base: the model's artifacts (full topology) keep only the
// weights the base cannot give — a weight the base lacks (a new head, a LoRA factor, an adapter),
// one whose value differs from the base's in any bit (biases BitFit trained, BatchNorm statistics
// that moved), and the ones a PEFT run says it trained — and visiontune.json names the base with
// its weights' SHA-256. saveBundle (../save.ts) runs this as its last artifacts transform.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isModelLocation } from '../../backbones/index.js';
import { type WeightSpec, weightBytes } from '../../engine/model-json.js';
import { badInput } from '../../errors.js';
import { quantizeWeights } from '../../methods/compress/quantize/weights.js';
import type { BaseWeights, DeltaBases } from './base.js';
import { loadBaseWeights } from './base.js';
import type { DeltaBaseSpec, DeltaMeta } from './schema.js';

export interface DeltaSaveOptions {
  /** The base the model was trained from, as createModel built it. */
  base: DeltaBaseSpec;
  /** Weights stored even where equal to the base (default: the bundle's
   * `training.peft.trainableWeights`, what a PEFT run trained). */
  trainable?: readonly string[];
  /** Bases already built (a caller saving several deltas); default: built for this save. */
  bases?: DeltaBases;
  /** How the stored weights are written: float16 halves the bytes (each value rounded to half
   * precision, which TF.js decodes on load). Default float32, the trained values exactly. */
  dtype?: DeltaDtype;
}

export const DELTA_DTYPES = ['float32', 'float16'] as const;
export type DeltaDtype = (typeof DELTA_DTYPES)[number];

/** The delta's float32 weights stored as float16; one past ±65504 is refused, not made ±Inf. */
function asFloat16(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  const { weightSpecs, weightData, quantized } = quantizeWeights(
    artifacts.weightSpecs ?? [],
    artifacts.weightData ?? new ArrayBuffer(0),
    'float16',
    'all',
  );
  const overflow = quantized.find((t) => !Number.isFinite(t.maxAbsError));
  if (overflow)
    throw badInput(
      `weight ${overflow.name} has values beyond float16's range (±65504); save the delta as float32`,
    );
  return { ...artifacts, weightSpecs, weightData };
}

/** `training.peft.trainableWeights` of a bundle's run configuration, where it is a name list. */
export function recordedTrainable(training: Record<string, unknown>): string[] {
  const peft = training.peft as { trainableWeights?: unknown } | undefined;
  const names = peft && typeof peft === 'object' ? peft.trainableWeights : undefined;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Whether the saved weight `spec` (its stored `bytes`) is exactly the base's weight. */
function equalsBase(spec: tf.io.WeightsManifestEntry, bytes: Uint8Array, base: BaseWeights) {
  const own = base.weights.get(spec.name);
  if (!own || spec.quantization || own.dtype !== spec.dtype) return false;
  if (own.shape.join() !== spec.shape.join()) return false;
  const data = own.dataSync();
  return sameBytes(bytes, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** `artifacts` with only the weights to store, and their names. */
export function deltaArtifacts(
  artifacts: tf.io.ModelArtifacts,
  base: BaseWeights,
  trainable: ReadonlySet<string>,
): { artifacts: tf.io.ModelArtifacts; weights: string[] } {
  const specs = artifacts.weightSpecs ?? [];
  const data = new Uint8Array(
    artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
  );
  const kept: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    // A layers model has no 'string' weights (model-json.ts).
    const size = weightBytes(spec as WeightSpec, 'the model being saved');
    const bytes = data.subarray(offset, offset + size);
    offset += size;
    if (trainable.has(spec.name) || !equalsBase(spec, bytes, base)) {
      kept.push(spec);
      chunks.push(bytes);
    }
  }
  const joined = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return {
    artifacts: { ...artifacts, weightSpecs: kept, weightData: joined.buffer },
    weights: kept.map((s) => s.name),
  };
}

export interface PreparedDelta {
  /** The artifacts transform; afterwards `meta()` names what it kept. */
  transform(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts;
  meta(): DeltaMeta;
  release(): Promise<void>;
}

/** Builds (or takes from `options.bases`) the base, for one save. */
export async function prepareDelta(
  options: DeltaSaveOptions,
  training: Record<string, unknown>,
  forWhat: string,
): Promise<PreparedDelta> {
  // A model folder is recorded absolute, so the delta finds it from any working directory.
  const given = options.base.backbone;
  const spec = {
    ...options.base,
    backbone:
      isModelLocation(given) && !/^[a-z][a-z0-9+.-]*:/i.test(given) ? path.resolve(given) : given,
  };
  const base = options.bases
    ? await options.bases.get(spec, forWhat)
    : await loadBaseWeights(spec, forWhat);
  const trainable = new Set(options.trainable ?? recordedTrainable(training));
  let weights: string[] | undefined;
  return {
    transform(artifacts) {
      const delta = deltaArtifacts(artifacts, base, trainable);
      weights = delta.weights;
      return options.dtype === 'float16' ? asFloat16(delta.artifacts) : delta.artifacts;
    },
    meta() {
      if (!weights) throw new Error('the delta transform has not run');
      return { base: { ...spec, weightsSha256: base.weightsSha256 }, weights };
    },
    async release() {
      if (!options.bases) for (const t of base.weights.values()) t.dispose();
    },
  };
}
