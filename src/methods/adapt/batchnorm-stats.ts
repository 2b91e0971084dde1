// Re-estimates every BatchNorm layer's moving statistics on one domain's images (AdaBN, Li et al.
// 2016): the layers run in training mode over the images while each moving average is set to the
// cumulative mean of the batch statistics (momentum k/(k+1) at batch k), as PyTorch's
// `torch.optim.swa_utils.update_bn` does. Weights other than the statistics do not change.
import * as tf from '@tensorflow/tfjs';
import type { Loader } from '../../data/loader.js';

interface BatchNormLike {
  momentum: number;
  trainable: boolean;
}

export async function reestimateBatchNorm(model: tf.LayersModel, loader: Loader): Promise<number> {
  const layers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const saved = layers.map((l) => {
    const bn = l as unknown as BatchNormLike;
    return { momentum: bn.momentum, trainable: bn.trainable };
  });
  let batches = 0;
  try {
    // Trainable so the training-mode call updates the statistics (frozen layers run in inference).
    for (const l of layers) (l as unknown as BatchNormLike).trainable = true;
    for await (const batch of loader.epoch(0)) {
      for (const l of layers) (l as unknown as BatchNormLike).momentum = batches / (batches + 1);
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
