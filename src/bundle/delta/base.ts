// The base a delta bundle applies to: built again from its description (a registry backbone or a
// model path, as createModel builds its body), its weights by name, and their identity — SHA-256
// over every weight sorted by name (name, dtype, shape, bytes), so a base whose values differ in
// any bit is another base. `DeltaBases` keeps each base once: the deltas loaded through one
// share its tensors (a variable assigned a tensor keeps that tensor's data, not a copy), which is
// how a server with several deltas on one backbone holds the backbone's weights once.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { getBackbone, isModelLocation, loadLayersBackbone } from '../../backbones/index.js';
import { badInput, VisiontuneError } from '../../errors.js';
import { canonicalJson } from '../../methods/content-hash.js';
import { type DeltaBaseSpec, describeBase } from './schema.js';

export interface BaseWeights {
  spec: DeltaBaseSpec;
  weightsSha256: string;
  /** Every weight of the base body by its name (`<layer>/kernel`), as models save them. */
  weights: ReadonlyMap<string, tf.Tensor>;
}

/** The base body, built as createModel builds it (same weights; no pooling or head). */
async function buildBody(spec: DeltaBaseSpec): Promise<tf.LayersModel> {
  if (isModelLocation(spec.backbone)) {
    const loaded = await loadLayersBackbone(spec.backbone, { cut: spec.cut });
    try {
      return await loaded.build({ pretrained: spec.pretrained, inputSize: spec.inputSize });
    } finally {
      loaded.dispose();
    }
  }
  return getBackbone(spec.backbone).build({
    pretrained: spec.pretrained,
    inputSize: spec.inputSize,
    seed: spec.seed,
  });
}

/** SHA-256 over `weights` sorted by name: each name, dtype, shape, then its bytes. */
export function weightsSha256(weights: ReadonlyMap<string, tf.Tensor>): string {
  const hash = createHash('sha256');
  for (const name of [...weights.keys()].sort()) {
    const t = weights.get(name)!;
    hash.update(`${name}\0${t.dtype}\0[${t.shape.join(',')}]\0`);
    const data = t.dataSync();
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}

/** Builds the base `spec` describes; BAD_INPUT naming `forWhat` when it cannot be built. */
export async function loadBaseWeights(spec: DeltaBaseSpec, forWhat: string): Promise<BaseWeights> {
  let body: tf.LayersModel;
  try {
    body = await buildBody(spec);
  } catch (err) {
    // What the user can fix (a moved model folder, an unknown name) is named; bugs stay bugs.
    if (!(err instanceof VisiontuneError)) throw err;
    throw badInput(
      `${forWhat} needs its base ${describeBase(spec)}, which cannot be built: ${err.message}`,
    );
  }
  try {
    const weights = new Map<string, tf.Tensor>();
    for (const w of body.weights) {
      if (weights.has(w.originalName))
        throw badInput(`base ${describeBase(spec)}: two weights are named ${w.originalName}`);
      weights.set(w.originalName, tf.keep(w.read().clone()));
    }
    return { spec, weights, weightsSha256: weightsSha256(weights) };
  } finally {
    body.dispose();
  }
}

const keyOf = (spec: DeltaBaseSpec) =>
  canonicalJson({
    backbone: spec.backbone,
    pretrained: spec.pretrained,
    seed: spec.seed ?? null,
    cut: spec.cut ?? null,
    inputSize: spec.inputSize,
  });

/**
 * Bases by description, each built once. Deltas loaded through one instance share the base's
 * tensors; `dispose` drops the instance's hold (a loaded model keeps the data it uses).
 */
export class DeltaBases {
  private readonly bases = new Map<string, Promise<BaseWeights>>();

  get(spec: DeltaBaseSpec, forWhat: string): Promise<BaseWeights> {
    const key = keyOf(spec);
    let base = this.bases.get(key);
    if (!base) {
      base = loadBaseWeights(spec, forWhat);
      // A base that failed to build is tried again by the next delta, not remembered.
      base.catch(() => this.bases.delete(key));
      this.bases.set(key, base);
    }
    return base;
  }

  /** How many bases are held (for tests and the server's description). */
  get size(): number {
    return this.bases.size;
  }

  async dispose(): Promise<void> {
    const all = [...this.bases.values()];
    this.bases.clear();
    for (const base of await Promise.allSettled(all))
      if (base.status === 'fulfilled') for (const t of base.value.weights.values()) t.dispose();
  }
}
