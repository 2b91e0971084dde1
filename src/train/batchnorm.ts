// The BatchNorm policy of every training run, in one place: which layers are BatchNorms (all of
// a model, or those of a part such as the backbone), freezing them (inference mode with their
// stored statistics, src/backbones/batchnorm-fix.ts), their moving-average momentum, and
// re-estimating their statistics on one domain's images (AdaBN, Li et al. 2016): the layers run
// in training mode over the images while each moving average is set to the cumulative mean of
// the batch statistics (momentum k/(k+1) at batch k), as PyTorch's
// `torch.optim.swa_utils.update_bn` does; weights other than the statistics do not change.
import * as tf from '@tensorflow/tfjs';
import type { Loader } from '../data/loader.js';

interface BatchNormLike {
  momentum: number;
  trainable: boolean;
}

export const isBatchNorm = (layer: tf.layers.Layer): boolean =>
  layer.getClassName() === 'BatchNormalization';

/** The BatchNorm layers of a model or a list of layers, optionally only those `within` a set of layer names. */
export function batchNormLayers(
  layers: tf.LayersModel | readonly tf.layers.Layer[],
  within?: ReadonlySet<string>,
): tf.layers.Layer[] {
  const all = 'layers' in layers ? layers.layers : layers;
  return all.filter((l) => isBatchNorm(l) && (within === undefined || within.has(l.name)));
}

/** Keeps the layers in inference mode with their stored statistics (and gamma/beta fixed). */
export function freezeBatchNorm(layers: readonly tf.layers.Layer[]): void {
  for (const layer of layers) layer.trainable = false;
}

/** Sets the moving-average momentum (Keras convention: the weight of the old average). */
export function setBatchNormMomentum(layers: readonly tf.layers.Layer[], momentum: number): void {
  for (const layer of layers) (layer as unknown as BatchNormLike).momentum = momentum;
}

/** Re-estimates every BatchNorm's moving statistics over one epoch of `loader`; returns the batches seen. */
export async function reestimateBatchNormStats(
  model: tf.LayersModel,
  loader: Loader,
): Promise<number> {
  const layers = batchNormLayers(model);
  const saved = layers.map((l) => {
    const bn = l as unknown as BatchNormLike;
    return { momentum: bn.momentum, trainable: bn.trainable };
  });
  let batches = 0;
  try {
    // Trainable so the training-mode call updates the statistics (frozen layers run in inference).
    for (const l of layers) l.trainable = true;
    for await (const batch of loader.epoch(0)) {
      setBatchNormMomentum(layers, batches / (batches + 1));
      tf.tidy(() => {
        model.apply(batch.x, { training: true });
      });
      batch.x.dispose();
      batches++;
    }
  } finally {
    layers.forEach((l, i) => {
      Object.assign(l as unknown as BatchNormLike, saved[i]);
    });
  }
  return batches;
}
