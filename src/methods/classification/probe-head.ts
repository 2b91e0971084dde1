// lp-ft's hand-over from probe to network: the probe computes Dense(Standardize(pooled)), the
// network Dense(pooled); folding the probe's statistics into its Dense (the same fold a saved
// bundle gets) makes the network's head compute exactly the probe's logits before fine-tuning.
import * as tf from '@tensorflow/tfjs';
import { foldedDense } from '../../bundle/fold-standardize.js';
import { Standardize } from '../../heads/standardize.js';

/** The name createModel and linearHead give the Dense layer that outputs the logits. */
const HEAD = 'head';

/**
 * Sets `network`'s Dense `head` to the probe's Standardize → (Dropout →) Dense `head`, folded.
 * The network's pooled features must be the probe's embeddings (same backbone, layer and size).
 */
export function initHeadFromProbe(network: tf.LayersModel, probe: tf.LayersModel): void {
  const standardize = probe.layers.find((l): l is Standardize => l instanceof Standardize);
  if (!standardize) throw new Error('lp-ft: the probe has no Standardize layer');
  const [mean, std] = standardize.getWeights();
  const [kernel, bias] = probe.getLayer(HEAD).getWeights();
  const target = network.getLayer(HEAD);
  const shape = target.getWeights()[0]!.shape;
  if (shape.join() !== kernel!.shape.join()) {
    throw new Error(`lp-ft: the probe's head is [${kernel!.shape}], the network's [${shape}]`);
  }
  const folded = foldedDense(
    mean!.dataSync(),
    std!.dataSync(),
    kernel!.dataSync(),
    bias!.dataSync(),
  );
  tf.tidy(() => target.setWeights([tf.tensor(folded.kernel, shape), tf.tensor(folded.bias)]));
}
