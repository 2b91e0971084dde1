// Post-training weight quantization of a bundle: load it, save an ordinary bundle whose weights
// file stores uint8 / uint16 / float16 codes (TF.js decodes them on load, so every command that
// reads bundles works unchanged), record the step in visiontune.json, and report the savings.
// Only storage shrinks: weights are dequantized to float32 on load and the math is unchanged.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { type LoadedBundle, loadBundle, locateBundle, saveBundle } from '../../../bundle/bundle.js';
import type { BundleMeta, CompressionStep } from '../../../bundle/meta.js';
import { opt } from '../../../config/options.js';
import { overwriteField, seedField } from '../../../config/run-fields.js';
import { badInput, badUsage } from '../../../errors.js';
import { bundleDiskBytes } from '../compare-measure.js';
import {
  QUANTIZE_DTYPES,
  QUANTIZE_SCOPES,
  type QuantizeDtype,
  type QuantizedWeights,
  type QuantizeScope,
  quantizeWeights,
  type TensorQuantization,
} from './weights.js';

/**
 * By default only rank ≥ 2 kernels are quantized; biases and batch-norm vectors stay float32.
 * Measured on MobileNetV2 fine-tuned on fashion-mnist (64 px, 1000 test images, float32 0.686):
 * the scope made no difference there (uint8 0.485 either way, uint16 0.689 / 0.689, float16
 * 0.689 / 0.691, kernels / all), because that backbone's weights and frozen BN statistics were
 * uint8 to begin with (nsfwjs), so re-quantizing the vectors lands on their old grid. The
 * vectors are ~3% of its weights: `all` gives 0.250 of the float32 weights bytes with uint8,
 * `kernels` 0.273. A MobileNetV2-0.35 trained from scratch (float weights, learned BN statistics,
 * 500 test images, float32 0.550) agreed: uint8 0.556 kernels-only, 0.552 all; size 0.300 vs
 * 0.250. So `all` buys 2-5 points of size; `kernels` is the default because one per-tensor range
 * over values of very different scale (variances from 1e-3 to 1e2, biases) can wreck the small
 * ones on models we did not measure, and those vectors are a few percent of the bytes.
 * (The uint8 drop itself is not the vectors: fine-tuning moved the pointwise kernels by less
 * than a uint8 step, so re-quantizing snaps them back to the pretrained grid; restoring only
 * the 1x1 kernels to float32 brought uint8 back to 0.694. Use uint16/float16 for such models.)
 */
export const DEFAULT_QUANTIZE_SCOPE: QuantizeScope = 'kernels';

export const ROUNDINGS = ['stochastic', 'nearest'] as const;
export type Rounding = (typeof ROUNDINGS)[number];
/**
 * Stochastic by default: on a fine-tuned MobileNetV2 whose pretrained weights had shipped as
 * uint8, nearest rounding cost 7.5 accuracy points (79.3% -> 71.8%, 1,000 Fashion-MNIST test
 * images) and stochastic rounding 1.0 and 0.0 (seeds 0 and 1): see affine.ts.
 */
export const DEFAULT_ROUNDING: Rounding = 'stochastic';

/** The options of a quantization (the flags of `compress quantize` beside its folders). */
export const quantizeOptionsSchema = z.object({
  dtype: opt(z.enum(QUANTIZE_DTYPES), 'storage type of the quantized weights', { arg: 'type' }),
  /** Which float tensors to quantize. */
  scope: opt(
    z.enum(QUANTIZE_SCOPES).default(DEFAULT_QUANTIZE_SCOPE),
    'kernels: rank ≥ 2 weights only, biases and BatchNorm stay float32; all: every float tensor',
    { arg: 'which' },
  ),
  /** uint8/uint16: round stochastically (seeded; the default) or to the nearest code. */
  rounding: opt(
    z.enum(ROUNDINGS).default(DEFAULT_ROUNDING),
    'uint8/uint16: stochastic (seeded; keeps sub-step fine-tuning on average) or nearest',
    { arg: 'how' },
  ),
  seed: seedField,
  overwrite: overwriteField,
});
export type QuantizeOptions = z.input<typeof quantizeOptionsSchema>;

export interface QuantizeReport {
  /** The source and the new bundle folders, as given. */
  from: string;
  out: string;
  dtype: QuantizeDtype;
  scope: QuantizeScope;
  /** The weight files model.json names, in bytes. */
  weightBytes: { before: number; after: number };
  /** Every file in the bundle folder, in bytes. */
  bundleBytes: { before: number; after: number };
  tensors: { quantized: number; kept: number };
  /** Per-tensor max |dequantized - original|: the largest over tensors, and their mean. */
  maxAbsError: { max: number; mean: number };
  perTensor: TensorQuantization[];
  meta: BundleMeta;
}

function checkOptions(inDir: string, outDir: string, options: QuantizeOptions): QuantizeScope {
  if (!(QUANTIZE_DTYPES as readonly string[]).includes(options.dtype)) {
    throw badUsage(
      `unknown quantization dtype '${options.dtype}': use ${QUANTIZE_DTYPES.join(', ')}`,
    );
  }
  const scope = options.scope ?? DEFAULT_QUANTIZE_SCOPE;
  if (!(QUANTIZE_SCOPES as readonly string[]).includes(scope)) {
    throw badUsage(`unknown quantization scope '${scope}': use ${QUANTIZE_SCOPES.join(', ')}`);
  }
  if (path.resolve(inDir) === path.resolve(outDir) || sameFolder(inDir, outDir)) {
    throw badUsage(
      `the quantized bundle needs its own folder: ${outDir} is the bundle being quantized`,
    );
  }
  return scope;
}

/** Whether two paths name one folder (through symlinks too); false when `b` does not exist. */
function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** What `model.save` would write, without writing it. */
async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save({
    save: async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  return captured!;
}

/** `location`: a bundle folder or a run's output folder (see locateBundle). */
export async function quantizeBundle(
  location: string,
  outDir: string,
  options: QuantizeOptions,
): Promise<QuantizeReport> {
  // The folder that holds the bundle, so --out cannot name it through its run folder.
  const inDir = await locateBundle(location);
  const scope = checkOptions(inDir, outDir, options);
  const { dtype } = options;
  const bundle = await loadBundle(inDir);
  try {
    const rounding = options.rounding ?? DEFAULT_ROUNDING;
    const stochastic = rounding === 'stochastic' ? { seed: options.seed ?? 0 } : undefined;
    return await quantizeLoaded(bundle, outDir, dtype, scope, stochastic, options.overwrite);
  } finally {
    bundle.model.dispose();
  }
}

async function quantizeLoaded(
  bundle: LoadedBundle,
  outDir: string,
  dtype: QuantizeDtype,
  scope: QuantizeScope,
  stochastic?: { seed: number },
  overwrite?: boolean,
): Promise<QuantizeReport> {
  const inDir = bundle.dir;
  const before = await bundleDiskBytes(inDir);
  const artifacts = await captureArtifacts(bundle.model);
  let result: QuantizedWeights;
  try {
    result = quantizeWeights(
      artifacts.weightSpecs ?? [],
      artifacts.weightData ?? [],
      dtype,
      scope,
      stochastic,
    );
  } catch (err) {
    if (err instanceof RangeError) throw badInput(`${inDir}: ${err.message}`);
    throw err;
  }
  const { quantized, kept } = result;
  const errors = quantized.map((t) => t.maxAbsError);
  const maxAbsError = {
    max: Math.max(0, ...errors),
    mean: errors.length > 0 ? errors.reduce((a, b) => a + b, 0) / errors.length : 0,
  };
  const { formatVersion, createdAt, visiontuneVersion, ...rest } = bundle.meta;
  const step: CompressionStep = {
    kind: 'quantize',
    from: inDir,
    details: {
      dtype,
      scope,
      ...(dtype === 'float16' ? {} : { rounding: stochastic ? 'stochastic' : 'nearest' }),
      tensors: { quantized: quantized.length, kept: kept.length },
      maxAbsError: maxAbsError.max,
    },
  };
  const saved = await saveBundle(
    outDir,
    bundle.model,
    { ...rest, compression: [...(rest.compression ?? []), step] },
    {
      transformArtifacts: (fresh) => {
        // The same model saved twice lists the same weights; anything else would be a bug here.
        const names = (fresh.weightSpecs ?? []).map((w) => w.name).join();
        if (names !== result.weightSpecs.map((w) => w.name).join()) {
          throw new Error('model weights changed while quantizing');
        }
        return { ...fresh, weightSpecs: result.weightSpecs, weightData: result.weightData };
      },
      overwrite,
      kind: 'quantized-bundle',
    },
  );
  const after = await bundleDiskBytes(outDir);
  return {
    from: inDir,
    out: outDir,
    dtype,
    scope,
    weightBytes: { before: before.weights, after: after.weights },
    bundleBytes: { before: before.total, after: after.total },
    tensors: { quantized: quantized.length, kept: kept.length },
    maxAbsError,
    perTensor: quantized,
    meta: saved,
  };
}
