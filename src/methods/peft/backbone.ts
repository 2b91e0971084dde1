// PEFT on the backbone of a dense network (detector, segmenter): the backbone's layers get the
// method, every layer after it (FPN, decoder, head) trains fully as in ordinary fine-tuning. The
// adapters are backbone layers (the backbone's learning-rate group).
import type * as tf from '@tensorflow/tfjs';
import type { BackboneEntry } from '../../backbones/types.js';
import { adapterAddName } from './adapters.js';
import { applyPeft, describePeft } from './apply.js';
import { type PeftMeta, peftMeta } from './bundle-meta.js';
import { type PeftConfig, peftOptions } from './config.js';

interface DenseNetwork {
  model: tf.LayersModel;
  entry: BackboneEntry;
  backboneLayers: Set<string>;
}

/** `network` with PEFT applied to its backbone when `config.peft` says so (the old model disposed). */
export async function peftOnBackbone<N extends DenseNetwork>(
  network: N,
  config: PeftConfig & { seed: number },
  log: (line: string) => void,
): Promise<N & { peft?: PeftMeta }> {
  const options = peftOptions(config);
  if (!options) return network;
  const { model, backboneLayers } = network;
  const headLayers = model.layers
    .filter((l) => !backboneLayers.has(l.name) && l.getClassName() !== 'InputLayer')
    .map((l) => l.name);
  const applied = await applyPeft(model, {
    ...options,
    headLayers,
    blocks: network.entry.blocks,
    seed: config.seed,
  });
  model.dispose();
  log(`peft ${describePeft(applied.summary)}`);
  const adapters = options.method === 'adapter' ? applied.summary.layers : [];
  return {
    ...network,
    model: applied.model,
    backboneLayers: new Set([
      ...backboneLayers,
      ...adapters.flatMap((a) => [a, adapterAddName(a.replace(/_adapter$/, ''))]),
    ]),
    peft: peftMeta(applied),
  };
}
