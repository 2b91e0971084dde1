// A delta bundle made standalone: loaded on its base (load-delta.ts), its parameter-efficient
// layers folded where they can be (LoRA into the kernels), and saved as an ordinary bundle that
// needs no base — what `visiontune merge` and `train --merge` write, and what the browser and
// other tools load.
import type * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';
import { isLoraLayer } from '../../methods/peft/lora-layers.js';
import { mergePeft } from '../../methods/peft/merge.js';
import { loadBundle } from '../bundle.js';
import type { BundleMeta } from '../meta.js';
import { saveBundle } from '../save.js';

/**
 * The model with every mergeable PEFT layer folded into the plain layer of the same name (LoRA:
 * W + (alpha/r)·A·B); layers that cannot fold (residual adapters) stay. The one place the merge
 * is called (methods/peft's mergePeft). Returns the given model when nothing folds (BitFit,
 * adapters, extra ordinary layers); otherwise a new model, the given one left to the caller.
 */
export async function mergeDeltaModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  return model.layers.some(isLoraLayer) ? mergePeft(model) : model;
}

export interface MergeResult {
  out: string;
  meta: BundleMeta;
  /** The delta's base, now inside the bundle. */
  base: NonNullable<BundleMeta['delta']>['base'];
}

/** Writes delta bundle `delta` (a bundle or run folder) as a standalone bundle in `out`. */
export async function mergeDeltaBundle(
  delta: string,
  out: string,
  options: { overwrite?: boolean } = {},
): Promise<MergeResult> {
  const bundle = await loadBundle(delta);
  try {
    const base = bundle.meta.delta?.base;
    if (!base)
      throw badUsage(
        `${bundle.dir} is not a delta bundle (it has all its weights): nothing to merge`,
      );
    const merged = await mergeDeltaModel(bundle.model);
    try {
      const meta = await saveBundle(out, merged, bundle.meta, {
        overwrite: options.overwrite,
        what: `--out ${out}`,
      });
      return { out, meta, base };
    } finally {
      if (merged !== bundle.model) merged.dispose();
    }
  } finally {
    bundle.model.dispose();
  }
}
